"""The auth use cases: accounts, access tokens, and the file-event read model."""

import logging
from collections.abc import Sequence
from dataclasses import replace
from uuid import uuid4

from auth_service.domain import api_tokens
from auth_service.domain.account_files import AccountFile, FileEvent, FileUploaded, unexpired
from auth_service.domain.credentials import (
    MIN_PASSWORD_LENGTH,
    check_credentials,
    check_new_credentials,
    check_new_password,
)
from auth_service.domain.errors import (
    AccountDisabled,
    AccountNotDisabled,
    ApiTokenNotFound,
    CredentialsMissing,
    TokenMissing,
    TokenNotFound,
    UserNotFound,
    WrongPassword,
)
from auth_service.domain.model import (
    Account,
    AccountFileList,
    ApiToken,
    IssuedApiToken,
    IssuedToken,
    TokenClaims,
    TokenKind,
    TokenLifetimes,
    TokenRecord,
    ValidatedToken,
    hash_token,
)
from auth_service.domain.ports import (
    AccountListings,
    Clock,
    FileEventsProgress,
    PasswordHasher,
    TokenCodec,
    UnitOfWork,
    UnitOfWorkFactory,
)

logger = logging.getLogger(__name__)


class AuthService:
    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        passwords: PasswordHasher,
        tokens: TokenCodec,
        clock: Clock,
        lifetimes: TokenLifetimes,
        file_events: FileEventsProgress,
        catch_up_timeout: float,
        min_password_length: int = MIN_PASSWORD_LENGTH,
        listings: AccountListings | None = None,
    ) -> None:
        """`listings` reads listings in a unit of work of their own unless given."""
        self._unit_of_work = unit_of_work
        self._listings = listings or UnitOfWorkListings(unit_of_work)
        self._passwords = passwords
        self._tokens = tokens
        self._clock = clock
        self._lifetimes = lifetimes
        self._file_events = file_events
        self._catch_up_timeout = catch_up_timeout
        self._min_password_length = min_password_length
        self._projection = AccountFilesProjection(unit_of_work)
        self._api_token_uses = api_tokens.UseSampler(api_tokens.USE_RECORDING_INTERVAL.total_seconds())

    async def register(self, username: str, password: str, kind: TokenKind) -> IssuedToken:
        check_new_credentials(username, password, self._min_password_length)
        password_hash = await self._passwords.hash(password)
        account = Account(str(uuid4()), username, password_hash, self._clock.now())
        async with self._unit_of_work() as uow:
            await uow.accounts.add(account)
            issued = await self._issue(uow, account, kind)
            await uow.commit()
        logger.info("registered account %s", account.account_id)
        return issued

    async def login(self, username: str, password: str, kind: TokenKind) -> IssuedToken:
        check_credentials(username, password)
        account = await self._account_named(username, password)
        check = await self._passwords.check(password, account.password_hash)
        if not check.matches:
            raise WrongPassword()
        if account.disabled:  # told only to whoever knows the password
            raise AccountDisabled()
        async with self._unit_of_work() as uow:
            if check.new_hash is not None:
                await uow.accounts.update_password_hash(account.account_id, check.new_hash)
                logger.info("rehashed the password of account %s", account.account_id)
            issued = await self._issue(uow, account, kind)
            await uow.commit()
        return issued

    async def refresh_token(self, access_token: str) -> IssuedToken:
        """An API token is rotated: the new one keeps its id, name, dates and expiry (never extended)."""
        claims = self._decode(access_token)
        async with self._unit_of_work() as uow:
            api_token = None
            if claims.kind is TokenKind.API:
                api_token = await uow.api_tokens.get_by_hash(hash_token(access_token))
            record = await uow.tokens.take(hash_token(access_token))
            account = await uow.accounts.get(record.account_id) if record else None
            if (
                record is None
                or account is None
                or account.disabled
                or (record.kind is TokenKind.API and api_token is None)
            ):
                raise TokenNotFound()
            if api_token is not None:
                rotated = (await self._issue_api_token(uow, account, api_token)).access_token
                issued = IssuedToken(rotated, account, TokenKind.API, api_token.expires_at)
            else:
                issued = await self._issue(uow, account, record.kind)
            await uow.commit()
        return issued

    async def logout(self, access_token: str) -> None:
        self._decode(access_token)
        async with self._unit_of_work() as uow:
            if await uow.tokens.take(hash_token(access_token)) is None:
                raise TokenNotFound()
            await uow.commit()

    async def validate_token(self, access_token: str) -> ValidatedToken:
        claims = self._decode(access_token)
        async with self._unit_of_work() as uow:
            validated = await self._validated(uow, access_token)
        await self._note_use(claims, access_token)
        return validated

    async def list_account_files(self, access_token: str) -> AccountFileList:
        """Waits for the file events first, so that token, account and list are read in one go."""
        claims = self._decode(access_token)
        await self._file_events.wait_until_caught_up(self._catch_up_timeout)
        listing = await self._listings.of_token_holder(hash_token(access_token))
        if listing is None or listing.account.disabled:
            raise TokenNotFound()
        await self._note_use(claims, access_token)
        return replace(listing, files=unexpired(listing.files, self._clock.now()))

    async def create_api_token(self, access_token: str, name: str, lifetime_seconds: int) -> IssuedApiToken:
        """A named token of the caller's account, living `lifetime_seconds` (0: the longest allowed)."""
        api_tokens.check_name(name)
        lifetime = api_tokens.lifetime_of(lifetime_seconds, self._lifetimes.api)
        self._decode(access_token)
        async with self._unit_of_work() as uow:
            account = (await self._validated(uow, access_token)).account
            now = self._clock.now().replace(microsecond=0)
            token = ApiToken(uuid4().hex, "", account.account_id, name, now, now + lifetime)
            issued = await self._issue_api_token(uow, account, token)
            await uow.commit()
        logger.info("account %s created API token %s", account.account_id, issued.token.token_id)
        return issued

    async def list_api_tokens(self, access_token: str) -> list[ApiToken]:
        self._decode(access_token)
        async with self._unit_of_work() as uow:
            account = (await self._validated(uow, access_token)).account
            return await uow.api_tokens.list_live(account.account_id, self._clock.now())

    async def revoke_api_token(self, access_token: str, token_id: str) -> None:
        """At once for every caller: the token's record is gone, and every check reads the database."""
        self._decode(access_token)
        async with self._unit_of_work() as uow:
            account = (await self._validated(uow, access_token)).account
            if not await uow.api_tokens.revoke(account.account_id, token_id):
                raise ApiTokenNotFound()
            await uow.commit()
        logger.info("account %s revoked API token %s", account.account_id, token_id)

    async def change_password(self, access_token: str, old_password: str, new_password: str) -> int:
        """Sets the new password and revokes every other token of the account; returns how many."""
        check_new_password(old_password, new_password, self._min_password_length)
        self._decode(access_token)
        async with self._unit_of_work() as uow:
            account = (await self._validated(uow, access_token)).account
        if not (await self._passwords.check(old_password, account.password_hash)).matches:
            raise WrongPassword()
        new_hash = await self._passwords.hash(new_password)
        async with self._unit_of_work() as uow:
            await self._validated(uow, access_token)  # not revoked while the hashes were computed
            await uow.accounts.update_password_hash(account.account_id, new_hash)
            kept = hash_token(access_token)
            revoked = await uow.tokens.delete_all_of_account_except(account.account_id, kept)
            await uow.commit()
        logger.info("account %s changed its password, %d other tokens revoked", account.account_id, revoked)
        return revoked

    async def start_account_deletion(self, access_token: str, password: str) -> str:
        """Proven by the password: disables the account and revokes every token of it in one transaction
        (as an operator's disable does), so nothing new can be done as it. Returns its account_id."""
        if not password:
            raise CredentialsMissing()
        self._decode(access_token)
        async with self._unit_of_work() as uow:
            account = (await self._validated(uow, access_token)).account
        if not (await self._passwords.check(password, account.password_hash)).matches:
            raise WrongPassword()
        async with self._unit_of_work() as uow:
            await self._validated(uow, access_token)  # not revoked while the hash was computed
            await uow.accounts.set_disabled_at(account.account_id, self._clock.now())
            revoked = await uow.tokens.delete_of_account(account.account_id)
            await uow.commit()
        logger.info("account %s is being deleted: disabled, %d token(s) revoked", account.account_id, revoked)
        return account.account_id

    async def finish_account_deletion(self, account_id: str) -> None:
        """Deletes a disabled account, its tokens and its file list (its files are deleted already).
        Waits, bounded, for the file events published so far, so that the deletions' events land
        before the list goes. Nothing for an account already gone."""
        await self._file_events.wait_until_caught_up(self._catch_up_timeout)
        async with self._unit_of_work() as uow:
            account = await uow.accounts.get(account_id)
            if account is None:
                return
            if not account.disabled:
                raise AccountNotDisabled()
            listed = await uow.files.delete_of_account(account_id)
            await uow.accounts.delete(account_id)
            await uow.commit()
        logger.info("account %s deleted (%d listed file(s) dropped)", account_id, listed)

    async def record_account_file(self, access_token: str, uploaded: FileUploaded) -> None:
        """List a file the token's account just uploaded, as its upload event will: the next listing
        shows it even while the event is still on its way (a delete's tombstone still wins)."""
        account = (await self.validate_token(access_token)).account
        await self._projection.apply(replace(uploaded, owner_account_id=account.account_id))

    async def record_account_files(self, access_token: str, uploads: Sequence[FileUploaded]) -> None:
        """record_account_file for several files of the token's account, in one transaction."""
        account = (await self.validate_token(access_token)).account
        await self._projection.apply_uploads(
            [replace(uploaded, owner_account_id=account.account_id) for uploaded in uploads]
        )

    async def purge_expired_tokens(self) -> int:
        async with self._unit_of_work() as uow:
            purged = await uow.tokens.delete_expired(self._clock.now())
            await uow.commit()
        logger.info("purged %d expired access tokens", purged)
        return purged

    async def _account_named(self, username: str, password: str) -> Account:
        async with self._unit_of_work() as uow:
            account = await uow.accounts.get_by_username(username)
        if account is None:
            await self._passwords.check_against_dummy(password)
            raise UserNotFound()
        return account

    async def _validated(self, uow: UnitOfWork, access_token: str) -> ValidatedToken:
        """Of a token already decoded: TokenNotFound when revoked, or its account is gone or disabled."""
        found = await uow.tokens.get_with_account(hash_token(access_token))
        if found is None or found[1].disabled:
            raise TokenNotFound()
        record, account = found
        return ValidatedToken(account, record.kind, record.expires_at)

    async def _note_use(self, claims: TokenClaims, access_token: str) -> None:
        """An API token's last_used_at, written at most once per USE_RECORDING_INTERVAL and process
        (and, by its condition, across replicas); login and bot tokens cost nothing here."""
        if claims.kind is not TokenKind.API:
            return
        now = self._clock.now()
        if not self._api_token_uses.is_due(hash_token(access_token), now.timestamp()):
            return
        async with self._unit_of_work() as uow:
            stale_before = now - api_tokens.USE_RECORDING_INTERVAL
            await uow.api_tokens.record_use(hash_token(access_token), now, stale_before)
            await uow.commit()

    def _decode(self, access_token: str) -> TokenClaims:
        if not access_token:
            raise TokenMissing()
        return self._tokens.decode(access_token)

    async def _issue(self, uow: UnitOfWork, account: Account, kind: TokenKind) -> IssuedToken:
        now = self._clock.now().replace(microsecond=0)
        claims = TokenClaims(account.account_id, uuid4().hex, kind, now, now + self._lifetimes.of(kind))
        access_token = self._tokens.encode(claims)
        record = TokenRecord(hash_token(access_token), account.account_id, kind, claims.expires_at, now)
        await uow.tokens.add(record)
        return IssuedToken(access_token, account, kind, claims.expires_at)

    async def _issue_api_token(self, uow: UnitOfWork, account: Account, token: ApiToken) -> IssuedApiToken:
        """Issues a JWT of kind API for `token` (its hash is filled in here) and stores both rows."""
        now = self._clock.now().replace(microsecond=0)
        claims = TokenClaims(account.account_id, uuid4().hex, TokenKind.API, now, token.expires_at)
        access_token = self._tokens.encode(claims)
        token = replace(token, token_hash=hash_token(access_token))
        record = TokenRecord(token.token_hash, account.account_id, TokenKind.API, token.expires_at, now)
        await uow.tokens.add(record)
        await uow.api_tokens.add(token)
        return IssuedApiToken(access_token, token)


class UnitOfWorkListings:
    """Each listing read in a unit of work of its own."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def of_token_holder(self, token_hash: str) -> AccountFileList | None:
        async with self._unit_of_work() as uow:
            return await uow.files.list_live_of_token_holder(token_hash)


class AccountFilesProjection:
    """Applies file events to each account's file list (idempotent, order-independent)."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def apply(self, event: FileEvent) -> None:
        if not event.owner_account_id:
            logger.debug("ignoring %s of anonymous file %s", type(event).__name__, event.file_url)
            return
        async with self._unit_of_work() as uow:
            if isinstance(event, FileUploaded):
                await uow.files.add_unless_present(AccountFile.listed(event))
            else:
                await uow.files.tombstone(AccountFile.tombstone(event))
            await uow.commit()

    async def apply_uploads(self, uploads: Sequence[FileUploaded]) -> None:
        """Several owned files' uploads, in one transaction."""
        owned = [uploaded for uploaded in uploads if uploaded.owner_account_id]
        if not owned:
            return
        async with self._unit_of_work() as uow:
            for uploaded in owned:
                await uow.files.add_unless_present(AccountFile.listed(uploaded))
            await uow.commit()
