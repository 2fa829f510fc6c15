"""Listings read on SQLite's own listing connection: the same listing the repository reads, every commit
seen at once, and an unreadable database reported as unavailable until it is readable again."""

import asyncio
import functools
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auth_service.adapters.database import create_engine
from auth_service.adapters.schema import SCHEMA
from auth_service.adapters.sqlite_listings import SqliteAccountListings
from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.domain.account_files import AccountFile
from auth_service.domain.errors import StorageUnavailable
from auth_service.domain.model import Account, TokenKind, TokenRecord

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
OWNER = Account("acc-1", "alice", "$argon2id$hash", NOW - timedelta(days=3))


def listed(file_url: str, created_at: datetime, account_id: str = "acc-1") -> AccountFile:
    return AccountFile(file_url, account_id, f"key-{file_url}", ".bin", f"{file_url}.bin", 2**40, created_at)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "auth.db"


@pytest.fixture
async def unit_of_work(database: Path) -> AsyncIterator[functools.partial[SqlAlchemyUnitOfWork]]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await SCHEMA.upgrade(engine)
    yield functools.partial(SqlAlchemyUnitOfWork, engine)
    await engine.dispose()


@pytest.fixture
async def listings(
    unit_of_work: functools.partial[SqlAlchemyUnitOfWork], database: Path
) -> AsyncIterator[SqliteAccountListings]:
    listings = SqliteAccountListings(unit_of_work.args[0], database)
    yield listings
    await listings.close()
    await listings.close()  # as a server stopped twice does


async def add_owner_with_token(unit_of_work: functools.partial[SqlAlchemyUnitOfWork]) -> None:
    async with unit_of_work() as uow:
        await uow.accounts.add(OWNER)
        await uow.accounts.add(Account("acc-2", "bob", "$argon2id$hash", NOW))
        await uow.tokens.add(TokenRecord("alice-token", "acc-1", TokenKind.BOT, NOW + timedelta(days=1), NOW))
        await uow.commit()


async def test_reads_what_the_repository_reads(
    unit_of_work: functools.partial[SqlAlchemyUnitOfWork], listings: SqliteAccountListings
) -> None:
    await add_owner_with_token(unit_of_work)
    async with unit_of_work() as uow:
        for file in (
            listed("old", NOW),
            listed("new", NOW + timedelta(days=1)),
            listed("tie-b", NOW + timedelta(hours=1)),
            replace(
                listed("tie-a", NOW + timedelta(hours=1)), expires_at=NOW + timedelta(days=7), max_downloads=3
            ),
            listed("bobs", NOW, account_id="acc-2"),
            listed("gone", NOW + timedelta(days=2)),
        ):
            await uow.files.add_unless_present(file)
        await uow.files.tombstone(AccountFile("gone", "acc-1", "", "", "", 0, NOW, deleted=True))
        await uow.commit()

    listing = await listings.of_token_holder("alice-token")
    async with unit_of_work() as uow:
        expected = await uow.files.list_live_of_token_holder("alice-token")

    assert listing == expected
    assert listing is not None and listing.account == OWNER
    assert [file.file_url for file in listing.files] == ["new", "tie-a", "tie-b", "old"]
    assert listing.files[-1] == listed("old", NOW)
    assert (listing.files[1].expires_at, listing.files[1].max_downloads) == (NOW + timedelta(days=7), 3)
    assert await listings.of_token_holder("unknown") is None


async def test_sees_each_commit_at_once_and_nothing_uncommitted(
    unit_of_work: functools.partial[SqlAlchemyUnitOfWork], listings: SqliteAccountListings
) -> None:
    await add_owner_with_token(unit_of_work)
    assert (await listings.of_token_holder("alice-token")).files == []  # type: ignore[union-attr]

    async with unit_of_work() as uow:
        await uow.files.add_unless_present(listed("first", NOW))
        await uow.commit()
    first = await listings.of_token_holder("alice-token")

    async with unit_of_work() as uow:
        await uow.files.add_unless_present(listed("uncommitted", NOW))
        while_writing = await listings.of_token_holder("alice-token")

    async with unit_of_work() as uow:
        await uow.tokens.take("alice-token")
        await uow.commit()

    assert first is not None and first.files == [listed("first", NOW)]
    assert while_writing is not None and while_writing.files == [listed("first", NOW)]
    assert await listings.of_token_holder("alice-token") is None  # revoked: no listing


async def test_an_unreadable_database_is_unavailable_until_it_is_readable_again(
    unit_of_work: functools.partial[SqlAlchemyUnitOfWork], listings: SqliteAccountListings, database: Path
) -> None:
    await add_owner_with_token(unit_of_work)
    await unit_of_work.args[0].dispose()
    moved = database.rename(database.with_name("elsewhere.db"))

    with pytest.raises(StorageUnavailable):
        await listings.of_token_holder("alice-token")
    assert not database.exists()  # the listing connection never creates a database

    moved.rename(database)
    listing = await listings.of_token_holder("alice-token")
    assert listing is not None and listing.account == OWNER


async def test_listings_asked_for_together_each_get_their_own(
    unit_of_work: functools.partial[SqlAlchemyUnitOfWork], listings: SqliteAccountListings
) -> None:
    await add_owner_with_token(unit_of_work)
    async with unit_of_work() as uow:
        await uow.tokens.add(TokenRecord("bob-token", "acc-2", TokenKind.BOT, NOW + timedelta(days=1), NOW))
        await uow.files.add_unless_present(listed("alices", NOW))
        await uow.files.add_unless_present(listed("bobs", NOW, account_id="acc-2"))
        await uow.commit()

    given_up = asyncio.ensure_future(listings.of_token_holder("alice-token"))
    together = [listings.of_token_holder(token) for token in ["alice-token", "unknown", "bob-token"] * 5]
    await asyncio.sleep(0)
    given_up.cancel()
    answers = await asyncio.gather(*together)

    alices, unknown, bobs = answers[:3]
    assert alices is not None and alices.files == [listed("alices", NOW)]
    assert unknown is None
    assert bobs is not None and bobs.files == [listed("bobs", NOW, account_id="acc-2")]
    assert answers == [alices, unknown, bobs] * 5
    assert given_up.cancelled()


async def test_a_listing_asked_for_after_closing_fails_at_once(
    unit_of_work: functools.partial[SqlAlchemyUnitOfWork], listings: SqliteAccountListings
) -> None:
    await add_owner_with_token(unit_of_work)
    await listings.close()

    with pytest.raises(RuntimeError):
        await asyncio.wait_for(listings.of_token_holder("alice-token"), timeout=5)
