"""The auth service's gRPC API as the gateway uses it."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader_runtime.request_ids import current_request_id
from gateway import errors
from gateway.clients.call_batches import CallBatcher
from gateway.clients.rpc import (
    ErrorFactory,
    call_metadata,
    metadata_with,
    translate_refusal,
    translated_errors,
)
from gateway.errors import AuthFailure, AuthorizationError
from gateway.models import (
    Account,
    AccountFile,
    AccountFiles,
    ApiToken,
    CreatedApiToken,
    IssuedToken,
    TokenKind,
    UploadedFile,
)

SERVICE = "Auth"
DOMAIN = "auth.fileuploader"

REASONS: dict[str, ErrorFactory] = {
    "USERNAME_TAKEN": errors.UsernameTaken,
    "CREDENTIALS_MISSING": errors.CredentialsMissing,
    "WRONG_PASSWORD": errors.WrongPassword,
    "USER_NOT_FOUND": errors.UserNotFound,
    "TOKEN_MISSING": errors.TokenMissing,
    "TOKEN_EXPIRED": partial(AuthorizationError, AuthFailure.TOKEN_EXPIRED),
    "TOKEN_INVALID": partial(AuthorizationError, AuthFailure.TOKEN_INVALID),
    "TOKEN_NOT_FOUND": partial(AuthorizationError, AuthFailure.TOKEN_NOT_FOUND),
    "USERNAME_TOO_LONG": errors.UsernameTooLong,
    "PASSWORD_TOO_LONG": errors.PasswordTooLong,
    "USERNAME_INVALID": errors.UsernameInvalid,
    "USERNAME_UNTRIMMED": errors.UsernameUntrimmed,
    "PASSWORD_TOO_SHORT": errors.PasswordTooShort,
    "API_TOKEN_NOT_FOUND": errors.ApiTokenNotFound,
    "API_TOKEN_NAME_INVALID": errors.ApiTokenNameInvalid,
    "API_TOKEN_LIFETIME_INVALID": errors.ApiTokenLifetimeInvalid,
    "ACCOUNT_DISABLED": errors.AccountDisabled,
    "ACCOUNT_NOT_DISABLED": errors.AccountEnabledMidDeletion,
}
# A password change (or an account deletion) proves the account with its password while its token is
# valid: a 403.
_PASSWORD_CHANGE_REASONS = {**REASONS, "WRONG_PASSWORD": errors.WrongOldPassword}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TOKEN_KINDS = {TokenKind.NORMAL: auth_pb2.TOKEN_KIND_NORMAL, TokenKind.BOT: auth_pb2.TOKEN_KIND_BOT}


class AuthClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float, token: str | None = None) -> None:
        self._stub = auth_pb2_grpc.AuthServiceStub(channel)
        self._token = token
        self._timeout = timeout_seconds
        # Concurrent listings share ListAccountFilesBatch calls; a reply too large for one message (long
        # lists) is asked for again one listing a call.
        self._listings = CallBatcher[auth_pb2.BatchedListing, auth_pb2.ListingOutcome](
            SERVICE,
            "ListAccountFilesBatch",
            self._send_listings,
            _outcomes_of,
            self._send_listing,
            split_too_large=True,
        )

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return call_metadata(self._token)

    async def register(self, username: str, password: str, kind: TokenKind) -> IssuedToken:
        request = auth_pb2.RegisterRequest(
            username=username, password=password, token_kind=_TOKEN_KINDS[kind]
        )
        with translated_errors(SERVICE, DOMAIN, REASONS):
            reply = await self._stub.Register(request, timeout=self._timeout, metadata=self._metadata())
        return _issued_token(reply)

    async def login(self, username: str, password: str, kind: TokenKind) -> IssuedToken:
        request = auth_pb2.LoginRequest(username=username, password=password, token_kind=_TOKEN_KINDS[kind])
        with translated_errors(SERVICE, DOMAIN, REASONS):
            reply = await self._stub.Login(request, timeout=self._timeout, metadata=self._metadata())
        return _issued_token(reply)

    async def refresh_token(self, access_token: str) -> IssuedToken:
        request = auth_pb2.RefreshTokenRequest(access_token=access_token)
        with translated_errors(SERVICE, DOMAIN, REASONS):
            reply = await self._stub.RefreshToken(request, timeout=self._timeout, metadata=self._metadata())
        return _issued_token(reply)

    async def logout(self, access_token: str) -> None:
        request = auth_pb2.LogoutRequest(access_token=access_token)
        with translated_errors(SERVICE, DOMAIN, REASONS):
            await self._stub.Logout(request, timeout=self._timeout, metadata=self._metadata())

    async def validate_token(self, access_token: str) -> Account:
        request = auth_pb2.ValidateTokenRequest(access_token=access_token)
        with translated_errors(SERVICE, DOMAIN, REASONS):
            reply = await self._stub.ValidateToken(request, timeout=self._timeout, metadata=self._metadata())
        return _account(reply.account)

    async def list_account_files(self, access_token: str) -> AccountFiles:
        listing = auth_pb2.BatchedListing(access_token=access_token, request_id=current_request_id() or "")
        with translated_errors(SERVICE, DOMAIN, REASONS):
            outcome = await self._listings.call(listing)
        if outcome.HasField("refused"):
            refused = outcome.refused
            raise translate_refusal(
                refused.code, refused.message, refused.reason, refused.facts, SERVICE, REASONS
            )
        reply = outcome.listed
        files = [_account_file(item) for item in reply.files]
        return AccountFiles(account=_account(reply.account), files=files)

    def _send_listings(self, listings: list[auth_pb2.BatchedListing]) -> grpc.aio.UnaryUnaryCall:
        """A call on behalf of several requests: each listing in it carries its own request id."""
        request = auth_pb2.ListAccountFilesBatchRequest(listings=listings)
        return self._stub.ListAccountFilesBatch(
            request, timeout=self._timeout, metadata=metadata_with(None, self._token)
        )

    async def _send_listing(self, listing: auth_pb2.BatchedListing) -> auth_pb2.ListingOutcome:
        """The listing in a ListAccountFiles call of its own, for an auth without batches."""
        request = auth_pb2.ListAccountFilesRequest(access_token=listing.access_token)
        metadata = metadata_with(listing.request_id or None, self._token)
        reply = await self._stub.ListAccountFiles(request, timeout=self._timeout, metadata=metadata)
        return auth_pb2.ListingOutcome(listed=reply)

    async def record_account_file(self, access_token: str, uploaded: UploadedFile) -> None:
        """List the file the token's account just uploaded, before its upload event reaches auth."""
        request = auth_pb2.RecordAccountFileRequest(access_token=access_token, file=_listed(uploaded))
        with translated_errors(SERVICE, DOMAIN, REASONS):
            await self._stub.RecordAccountFile(request, timeout=self._timeout, metadata=self._metadata())

    async def record_account_files(self, access_token: str, uploads: Sequence[UploadedFile]) -> None:
        """record_account_file for several files (just claimed into the account), in one call."""
        request = auth_pb2.RecordAccountFilesRequest(
            access_token=access_token, files=[_listed(uploaded) for uploaded in uploads]
        )
        with translated_errors(SERVICE, DOMAIN, REASONS):
            await self._stub.RecordAccountFiles(request, timeout=self._timeout, metadata=self._metadata())

    async def create_api_token(
        self, access_token: str, name: str, expires_in_seconds: int
    ) -> CreatedApiToken:
        """`expires_in_seconds` 0: the longest lifetime auth allows."""
        request = auth_pb2.CreateApiTokenRequest(
            access_token=access_token, name=name, expires_in_seconds=expires_in_seconds
        )
        with translated_errors(SERVICE, DOMAIN, REASONS):
            reply = await self._stub.CreateApiToken(request, timeout=self._timeout, metadata=self._metadata())
        return CreatedApiToken(access_token=reply.access_token, token=_api_token(reply.token))

    async def list_api_tokens(self, access_token: str) -> list[ApiToken]:
        request = auth_pb2.ListApiTokensRequest(access_token=access_token)
        with translated_errors(SERVICE, DOMAIN, REASONS):
            reply = await self._stub.ListApiTokens(request, timeout=self._timeout, metadata=self._metadata())
        return [_api_token(token) for token in reply.tokens]

    async def revoke_api_token(self, access_token: str, token_id: str) -> None:
        request = auth_pb2.RevokeApiTokenRequest(access_token=access_token, token_id=token_id)
        with translated_errors(SERVICE, DOMAIN, REASONS):
            await self._stub.RevokeApiToken(request, timeout=self._timeout, metadata=self._metadata())

    async def change_password(self, access_token: str, old_password: str, new_password: str) -> int:
        """Returns how many other tokens of the account were revoked."""
        request = auth_pb2.ChangePasswordRequest(
            access_token=access_token, old_password=old_password, new_password=new_password
        )
        with translated_errors(SERVICE, DOMAIN, _PASSWORD_CHANGE_REASONS):
            reply = await self._stub.ChangePassword(request, timeout=self._timeout, metadata=self._metadata())
        return reply.revoked_tokens

    async def start_account_deletion(self, access_token: str, password: str) -> str:
        """Disables the account and revokes its tokens, once the password proves it; answers its id."""
        request = auth_pb2.StartAccountDeletionRequest(access_token=access_token, password=password)
        with translated_errors(SERVICE, DOMAIN, _PASSWORD_CHANGE_REASONS):
            reply = await self._stub.StartAccountDeletion(
                request, timeout=self._timeout, metadata=self._metadata()
            )
        return reply.account_id

    async def finish_account_deletion(self, account_id: str) -> None:
        request = auth_pb2.FinishAccountDeletionRequest(account_id=account_id)
        with translated_errors(SERVICE, DOMAIN, REASONS):
            await self._stub.FinishAccountDeletion(request, timeout=self._timeout, metadata=self._metadata())


def _api_token(message: auth_pb2.ApiToken) -> ApiToken:
    last_used = None
    if message.HasField("last_used_at"):
        last_used = message.last_used_at.ToDatetime(tzinfo=UTC)
    return ApiToken(
        token_id=message.token_id,
        name=message.name,
        created_at=message.created_at.ToDatetime(tzinfo=UTC),
        expires_at=message.expires_at.ToDatetime(tzinfo=UTC),
        last_used_at=last_used,
    )


def _listed(uploaded: UploadedFile) -> auth_pb2.AccountFile:
    file = uploaded.file
    listed = auth_pb2.AccountFile(
        file_url=file.file_url,
        delete_key=uploaded.delete_key,
        ext=file.ext,
        user_filename=file.user_filename,
        size=file.size,
        max_downloads=file.max_downloads,
    )
    listed.created_at.FromDatetime(file.created_at)
    if file.expires_at is not None:
        listed.expires_at.FromDatetime(file.expires_at)
    return listed


def _account(message: auth_pb2.Account) -> Account:
    return Account(account_id=message.account_id, username=message.username)


def _issued_token(message: auth_pb2.IssuedToken) -> IssuedToken:
    return IssuedToken(access_token=message.access_token, account=_account(message.account))


def _account_file(message: auth_pb2.AccountFile) -> AccountFile:
    return AccountFile(
        file_url=message.file_url,
        delete_key=message.delete_key,
        ext=message.ext,
        user_filename=message.user_filename,
        size=message.size,
        created_at=_datetime_of(message.created_at),
        expires_at=_datetime_of(message.expires_at) if message.HasField("expires_at") else None,
        max_downloads=message.max_downloads if message.HasField("max_downloads") else None,
    )


def _datetime_of(timestamp: Timestamp) -> datetime:
    """As Timestamp.ToDatetime(tzinfo=timezone.utc), in a fraction of its time: listings take 20."""
    return _EPOCH + timedelta(0, timestamp.seconds, timestamp.nanos // 1000)


def _outcomes_of(reply: auth_pb2.ListAccountFilesBatchResponse) -> Sequence[auth_pb2.ListingOutcome]:
    return reply.outcomes
