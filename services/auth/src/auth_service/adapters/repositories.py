"""SQLAlchemy repositories for accounts, token records and account files, on one connection."""

from collections.abc import AsyncGenerator, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Row, Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from auth_service.adapters.tables import access_tokens, account_files, accounts, api_tokens
from auth_service.domain.account_files import AccountFile
from auth_service.domain.errors import UsernameTaken
from auth_service.domain.model import Account, AccountFileList, ApiToken, TokenKind, TokenRecord

# The statements run on every token check and listing, built once. Each selects the columns of one
# record after another, each in its dataclass's field order, so that a row slices into the records.


def _columns_of(record: type[Any], table: Table) -> list[Column[Any]]:
    return [table.c[field.name] for field in fields(record)]


_TOKEN_COLUMNS = _columns_of(TokenRecord, access_tokens)
_ACCOUNT_COLUMNS = _columns_of(Account, accounts)
_FILE_COLUMNS = _columns_of(AccountFile, account_files)
_TOKEN_KIND = _TOKEN_COLUMNS.index(access_tokens.c.kind)
_FILE_URL = len(_ACCOUNT_COLUMNS) + _FILE_COLUMNS.index(account_files.c.file_url)

_TOKEN_WITH_ACCOUNT = (
    select(*_TOKEN_COLUMNS, *_ACCOUNT_COLUMNS)
    .join_from(access_tokens, accounts, access_tokens.c.account_id == accounts.c.account_id)
    .where(access_tokens.c.token_hash == bindparam("token_hash"))
)

LIVE_FILES_OF_TOKEN_HOLDER = (
    select(*_ACCOUNT_COLUMNS, *_FILE_COLUMNS)
    .join_from(access_tokens, accounts, access_tokens.c.account_id == accounts.c.account_id)
    .outerjoin(
        account_files,
        and_(account_files.c.account_id == accounts.c.account_id, account_files.c.deleted.is_(False)),
    )
    .where(access_tokens.c.token_hash == bindparam("token_hash"))
    .order_by(account_files.c.created_at.desc(), account_files.c.file_url)
)


def account_file_list_of(rows: Sequence[Sequence[Any]]) -> AccountFileList | None:
    """The listing in the rows of LIVE_FILES_OF_TOKEN_HOLDER; None when there are none (no such token)."""
    if not rows:
        return None
    account = Account(*rows[0][: len(_ACCOUNT_COLUMNS)])
    files = [AccountFile(*row[len(_ACCOUNT_COLUMNS) :]) for row in rows if row[_FILE_URL] is not None]
    return AccountFileList(account, files)


class SqlAccountRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, account: Account) -> None:
        try:
            await self._connection.execute(accounts.insert().values(asdict(account)))
        except IntegrityError as error:
            raise UsernameTaken() from error

    async def get(self, account_id: str) -> Account | None:
        return await self._one(accounts.c.account_id == account_id)

    async def get_by_username(self, username: str) -> Account | None:
        return await self._one(accounts.c.username == username)

    async def update_password_hash(self, account_id: str, password_hash: str) -> None:
        statement = (
            update(accounts).where(accounts.c.account_id == account_id).values(password_hash=password_hash)
        )
        await self._connection.execute(statement)

    async def set_disabled_at(self, account_id: str, disabled_at: datetime | None) -> None:
        statement = (
            update(accounts).where(accounts.c.account_id == account_id).values(disabled_at=disabled_at)
        )
        await self._connection.execute(statement)

    async def delete(self, account_id: str) -> bool:
        result = await self._connection.execute(delete(accounts).where(accounts.c.account_id == account_id))
        return result.rowcount > 0

    async def _one(self, condition: Any) -> Account | None:
        row = (await self._connection.execute(select(accounts).where(condition))).one_or_none()
        return Account(**row._mapping) if row else None


class SqlTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, record: TokenRecord) -> None:
        await self._connection.execute(
            access_tokens.insert().values(asdict(record) | {"kind": record.kind.value})
        )

    async def get(self, token_hash: str) -> TokenRecord | None:
        statement = select(access_tokens).where(access_tokens.c.token_hash == token_hash)
        return _token_record((await self._connection.execute(statement)).one_or_none())

    async def get_with_account(self, token_hash: str) -> tuple[TokenRecord, Account] | None:
        result = await self._connection.execute(_TOKEN_WITH_ACCOUNT, {"token_hash": token_hash})
        row = result.one_or_none()
        if row is None:
            return None
        token = list(row[: len(_TOKEN_COLUMNS)])
        token[_TOKEN_KIND] = TokenKind(token[_TOKEN_KIND])
        return TokenRecord(*token), Account(*row[len(_TOKEN_COLUMNS) :])

    async def take(self, token_hash: str) -> TokenRecord | None:
        statement = (
            delete(access_tokens).where(access_tokens.c.token_hash == token_hash).returning(*access_tokens.c)
        )
        return _token_record((await self._connection.execute(statement)).one_or_none())

    async def delete_of_account(self, account_id: str) -> int:
        result = await self._connection.execute(
            delete(access_tokens).where(access_tokens.c.account_id == account_id)
        )
        return result.rowcount

    async def delete_expired(self, now: datetime) -> int:
        result = await self._connection.execute(
            delete(access_tokens).where(access_tokens.c.expires_at <= now)
        )
        return result.rowcount

    async def delete_all_of_account_except(self, account_id: str, kept_token_hash: str) -> int:
        statement = delete(access_tokens).where(
            access_tokens.c.account_id == account_id, access_tokens.c.token_hash != kept_token_hash
        )
        return (await self._connection.execute(statement)).rowcount


class SqlApiTokenRepository:
    """API tokens' names and dates; each row goes with its access_tokens row (ON DELETE CASCADE)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, token: ApiToken) -> None:
        await self._connection.execute(api_tokens.insert().values(asdict(token)))

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        statement = select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        row = (await self._connection.execute(statement)).one_or_none()
        return ApiToken(**row._mapping) if row else None

    async def list_live(self, account_id: str, now: datetime) -> list[ApiToken]:
        statement = (
            select(api_tokens)
            .where(api_tokens.c.account_id == account_id, api_tokens.c.expires_at > now)
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.token_id)
        )
        return [ApiToken(**row._mapping) for row in (await self._connection.execute(statement)).all()]

    async def revoke(self, account_id: str, token_id: str) -> bool:
        owned = select(api_tokens.c.token_hash).where(
            api_tokens.c.token_id == token_id, api_tokens.c.account_id == account_id
        )
        statement = delete(access_tokens).where(access_tokens.c.token_hash.in_(owned.scalar_subquery()))
        return (await self._connection.execute(statement)).rowcount > 0

    async def record_use(self, token_hash: str, now: datetime, stale_before: datetime) -> None:
        statement = (
            update(api_tokens)
            .where(
                api_tokens.c.token_hash == token_hash,
                or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < stale_before),
            )
            .values(last_used_at=now)
        )
        await self._connection.execute(statement)


def _token_record(row: Row[Any] | None) -> TokenRecord | None:
    if row is None:
        return None
    return TokenRecord(**(dict(row._mapping) | {"kind": TokenKind(row.kind)}))


class SqlAccountFileRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def delete_of_account(self, account_id: str) -> int:
        statement = delete(account_files).where(account_files.c.account_id == account_id)
        result = await self._connection.execute(statement)
        return result.rowcount

    async def add_unless_present(self, file: AccountFile) -> None:
        statement = self._insert(file).on_conflict_do_nothing(index_elements=[account_files.c.file_url])
        await self._connection.execute(statement)

    async def tombstone(self, tombstone: AccountFile) -> None:
        statement = self._insert(tombstone).on_conflict_do_update(
            index_elements=[account_files.c.file_url], set_={"deleted": True}
        )
        await self._connection.execute(statement)

    async def get(self, file_url: str) -> AccountFile | None:
        statement = select(account_files).where(account_files.c.file_url == file_url)
        row = (await self._connection.execute(statement)).one_or_none()
        return AccountFile(**row._mapping) if row else None

    async def list_live(self, account_id: str) -> list[AccountFile]:
        statement = (
            select(account_files)
            .where(account_files.c.account_id == account_id, account_files.c.deleted.is_(False))
            .order_by(account_files.c.created_at.desc(), account_files.c.file_url)
        )
        rows = (await self._connection.execute(statement)).all()
        return [AccountFile(**row._mapping) for row in rows]

    async def list_live_of_token_holder(self, token_hash: str) -> AccountFileList | None:
        """One statement: the holder's account on every row, and a file on each row but an empty list's."""
        result = await self._connection.execute(LIVE_FILES_OF_TOKEN_HOLDER, {"token_hash": token_hash})
        return account_file_list_of(result.all())

    async def stream_all(self) -> AsyncGenerator[AccountFile, None]:
        # PostgreSQL sorts text by its locale unless told "C"; SQLite compares code points already.
        file_url: ColumnElement[str] = account_files.c.file_url
        if self._connection.dialect.name == "postgresql":
            file_url = file_url.collate("C")
        async with self._connection.stream(select(account_files).order_by(file_url)) as rows:
            async for row in rows:
                yield AccountFile(**row._mapping)

    async def correct(self, file: AccountFile) -> None:
        values = asdict(file)
        del values["deleted"]
        await self._update(file.file_url, values)

    async def revive(self, file: AccountFile) -> None:
        await self._update(file.file_url, asdict(file) | {"deleted": False})

    async def _update(self, file_url: str, values: dict[str, Any]) -> None:
        statement = update(account_files).where(account_files.c.file_url == file_url).values(values)
        await self._connection.execute(statement)

    def _insert(self, file: AccountFile) -> postgresql.Insert | sqlite.Insert:
        dialect_insert = postgresql.insert if self._connection.dialect.name == "postgresql" else sqlite.insert
        return dialect_insert(account_files).values(asdict(file))
