import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from auth_service.adapters.database import create_engine
from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.domain.account_files import AccountFile
from auth_service.domain.errors import UsernameTaken
from auth_service.domain.model import Account, ApiToken, TokenKind, TokenRecord

pytestmark = pytest.mark.integration

UnitOfWork = Callable[[], SqlAlchemyUnitOfWork]
NOW = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def account(account_id: str = "acc-1", username: str = "alice") -> Account:
    return Account(account_id, username, "$argon2id$hash", NOW)


def token(token_hash: str, expires_at: datetime, account_id: str = "acc-1") -> TokenRecord:
    return TokenRecord(token_hash, account_id, TokenKind.BOT, expires_at, NOW)


def listed(file_url: str, created_at: datetime = NOW, account_id: str = "acc-1") -> AccountFile:
    return AccountFile(file_url, account_id, f"key-{file_url}", ".bin", f"{file_url}.bin", 2**40, created_at)


def tombstone(file_url: str) -> AccountFile:
    return AccountFile(file_url, "acc-1", "", "", "", 0, NOW, deleted=True)


async def add_account(unit_of_work: UnitOfWork, new: Account) -> None:
    async with unit_of_work() as uow:
        await uow.accounts.add(new)
        await uow.commit()


async def test_accounts_round_trip_with_utc_aware_timestamps(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())

    async with unit_of_work() as uow:
        by_id = await uow.accounts.get("acc-1")
        by_name = await uow.accounts.get_by_username("alice")

    assert by_id == by_name == account()
    assert by_id is not None and by_id.created_at.utcoffset() == timedelta(0)


async def test_accounts_find_usernames_case_sensitively(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())
    await add_account(unit_of_work, account("acc-2", "Alice"))

    async with unit_of_work() as uow:
        assert (await uow.accounts.get_by_username("Alice")) == account("acc-2", "Alice")
        assert await uow.accounts.get_by_username("ALICE") is None


async def test_accounts_add_raises_username_taken_for_a_duplicate(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())

    with pytest.raises(UsernameTaken):
        await add_account(unit_of_work, account("acc-2", "alice"))


async def test_a_failed_statement_does_not_show_its_values_to_the_logs(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())

    with pytest.raises(UsernameTaken) as refused:
        await add_account(unit_of_work, account("acc-2", "alice"))

    cause = str(refused.value.__cause__)  # what a traceback in the log shows
    assert "INSERT INTO accounts" in cause and "$argon2id$hash" not in cause


async def test_accounts_add_raises_username_taken_for_a_concurrent_duplicate(
    unit_of_work: UnitOfWork,
) -> None:
    async with unit_of_work() as first:
        await first.accounts.add(account("acc-1"))
        second = asyncio.create_task(add_account(unit_of_work, account("acc-2")))
        await asyncio.sleep(0.2)
        await first.commit()

    with pytest.raises(UsernameTaken):
        await second


async def test_accounts_update_password_hash(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())

    async with unit_of_work() as uow:
        await uow.accounts.update_password_hash("acc-1", "$argon2id$new")
        await uow.commit()

    async with unit_of_work() as uow:
        assert (await uow.accounts.get("acc-1")).password_hash == "$argon2id$new"  # type: ignore[union-attr]


async def test_unit_of_work_discards_what_is_not_committed(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work() as uow:
        await uow.accounts.add(account())

    async with unit_of_work() as uow:
        assert await uow.accounts.get("acc-1") is None


async def test_tokens_take_deletes_the_record_once(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())
    async with unit_of_work() as uow:
        await uow.tokens.add(token("h1", NOW + timedelta(days=1)))
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.tokens.get("h1") == token("h1", NOW + timedelta(days=1))
        assert await uow.tokens.take("h1") == token("h1", NOW + timedelta(days=1))
        assert await uow.tokens.take("h1") is None
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.tokens.get("h1") is None


async def test_tokens_get_with_account_reads_both_apart_in_one_go(unit_of_work: UnitOfWork) -> None:
    owner = Account("acc-1", "alice", "$argon2id$hash", NOW - timedelta(days=3))  # not the token's created_at
    await add_account(unit_of_work, owner)
    await add_account(unit_of_work, account("acc-2", "bob"))
    async with unit_of_work() as uow:
        await uow.tokens.add(token("h1", NOW + timedelta(days=1)))
        await uow.tokens.add(token("h2", NOW + timedelta(days=2), account_id="acc-2"))
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.tokens.get_with_account("h1") == (token("h1", NOW + timedelta(days=1)), owner)
        assert await uow.tokens.get_with_account("unknown") is None


async def test_tokens_delete_expired_keeps_the_live_ones(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())
    async with unit_of_work() as uow:
        await uow.tokens.add(token("expired", NOW - timedelta(seconds=1)))
        await uow.tokens.add(token("expiring-now", NOW))
        await uow.tokens.add(token("live", NOW + timedelta(seconds=1)))
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.tokens.delete_expired(NOW) == 2
        await uow.commit()

    async with unit_of_work() as uow:
        assert [await uow.tokens.get(h) is not None for h in ("expired", "expiring-now", "live")] == [
            False,
            False,
            True,
        ]


async def test_tokens_are_deleted_with_their_account(unit_of_work: UnitOfWork, engine: AsyncEngine) -> None:
    await add_account(unit_of_work, account())
    async with unit_of_work() as uow:
        await uow.tokens.add(token("h1", NOW + timedelta(days=1)))
        await uow.commit()

    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM accounts WHERE account_id = 'acc-1'"))

    async with unit_of_work() as uow:
        assert await uow.tokens.get("h1") is None


async def test_files_list_live_files_newest_first_then_by_url(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work() as uow:
        for file in (
            listed("old", NOW),
            listed("tie-b", NOW + timedelta(hours=1)),
            listed("new", NOW + timedelta(days=1)),
        ):
            await uow.files.add_unless_present(file)
        await uow.files.add_unless_present(listed("tie-a", NOW + timedelta(hours=1)))
        await uow.files.add_unless_present(listed("someone-elses", NOW, account_id="acc-2"))
        await uow.files.add_unless_present(listed("gone", NOW + timedelta(days=2)))
        await uow.files.tombstone(tombstone("gone"))
        await uow.commit()

    async with unit_of_work() as uow:
        files = await uow.files.list_live("acc-1")

    assert [file.file_url for file in files] == ["new", "tie-a", "tie-b", "old"]
    assert files[-1] == listed("old", NOW)


async def test_files_list_live_of_token_holder_reads_account_and_files_in_one_statement(
    unit_of_work: UnitOfWork,
) -> None:
    owner = Account("acc-1", "alice", "$argon2id$hash", NOW - timedelta(days=3))
    await add_account(unit_of_work, owner)
    await add_account(unit_of_work, account("acc-2", "bob"))
    async with unit_of_work() as uow:
        await uow.tokens.add(token("alice-token", NOW + timedelta(days=1)))
        await uow.tokens.add(token("bob-token", NOW + timedelta(days=1), account_id="acc-2"))
        for file in (
            listed("old", NOW),
            listed("tie-b", NOW + timedelta(hours=1)),
            listed("new", NOW + timedelta(days=1)),
            listed("tie-a", NOW + timedelta(hours=1)),
            listed("someone-elses", NOW, account_id="acc-2"),
        ):
            await uow.files.add_unless_present(file)
        await uow.files.add_unless_present(listed("gone", NOW + timedelta(days=2)))
        await uow.files.tombstone(tombstone("gone"))
        await uow.commit()

    async with unit_of_work() as uow:
        alices = await uow.files.list_live_of_token_holder("alice-token")
        bobs = await uow.files.list_live_of_token_holder("bob-token")
        unknown = await uow.files.list_live_of_token_holder("unknown")

    assert alices is not None and alices.account == owner
    assert [file.file_url for file in alices.files] == ["new", "tie-a", "tie-b", "old"]
    assert alices.files[-1] == listed("old", NOW)
    assert bobs is not None and bobs.account == account("acc-2", "bob")
    assert bobs.files == [listed("someone-elses", NOW, account_id="acc-2")]
    assert unknown is None


async def test_files_list_live_of_token_holder_without_live_files_is_an_empty_list(
    unit_of_work: UnitOfWork,
) -> None:
    await add_account(unit_of_work, account())
    async with unit_of_work() as uow:
        await uow.tokens.add(token("h1", NOW + timedelta(days=1)))
        await uow.files.add_unless_present(listed("gone", NOW))
        await uow.files.tombstone(tombstone("gone"))
        await uow.commit()

    async with unit_of_work() as uow:
        listing = await uow.files.list_live_of_token_holder("h1")

    assert listing is not None and (listing.account, listing.files) == (account(), [])


OPERATIONS = [("upload", "a"), ("upload", "a"), ("delete", "a"), ("delete", "a"), ("upload", "b")]


@pytest.mark.parametrize("operations", list(dict.fromkeys(itertools.permutations(OPERATIONS)))[::3])
async def test_files_converge_whatever_the_order_and_repetition(unit_of_work: UnitOfWork, operations) -> None:
    for operation, file_url in operations:
        async with unit_of_work() as uow:
            if operation == "upload":
                await uow.files.add_unless_present(listed(file_url))
            else:
                await uow.files.tombstone(tombstone(file_url))
            await uow.commit()

    async with unit_of_work() as uow:
        a, b = await uow.files.get("a"), await uow.files.get("b")

    assert a is not None and a.deleted
    assert b == listed("b")


async def test_files_tombstone_keeps_the_uploaded_details(unit_of_work: UnitOfWork) -> None:
    async with unit_of_work() as uow:
        await uow.files.add_unless_present(listed("a"))
        await uow.files.tombstone(tombstone("a"))
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.files.get("a") == AccountFile(**(vars(listed("a")) | {"deleted": True}))


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'auth.db'}")
    try:
        async with engine.connect() as connection:
            pragmas = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            ]
    finally:
        await engine.dispose()

    assert pragmas == ["wal", 5000, 1]


async def test_sqlite_connections_fsync_every_commit(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
    async with engine.connect() as connection:
        journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
    await engine.dispose()
    assert (journal, synchronous) == ("wal", 2)  # 2: FULL


async def test_a_burst_of_units_of_work_keeps_the_connections_it_opened(
    engine: AsyncEngine, unit_of_work: UnitOfWork
) -> None:
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine.sync_engine, "connect", count)

    async def read_while_others_do() -> None:
        async with unit_of_work() as uow:
            await uow.accounts.get("acc-1")
            await asyncio.sleep(0.05)

    for _ in range(3):
        await asyncio.gather(*(read_while_others_do() for _ in range(12)))

    assert opened <= 12


async def test_an_account_disabled_reads_so_with_its_tokens_and_enabled_again(
    unit_of_work: UnitOfWork,
) -> None:
    await add_account(unit_of_work, account())
    await add_account(unit_of_work, account("acc-2", "bob"))
    async with unit_of_work() as uow:
        await uow.tokens.add(token("a" * 64, NOW + timedelta(days=1)))
        await uow.tokens.add(token("b" * 64, NOW + timedelta(days=1)))
        await uow.tokens.add(token("c" * 64, NOW + timedelta(days=1), account_id="acc-2"))
        await uow.accounts.set_disabled_at("acc-1", NOW)
        assert await uow.tokens.delete_of_account("acc-1") == 2
        await uow.commit()

    async with unit_of_work() as uow:
        disabled = await uow.accounts.get_by_username("alice")
        assert disabled is not None and disabled.disabled_at == NOW and disabled.disabled
        assert await uow.tokens.get("a" * 64) is None
        _, bob = await uow.tokens.get_with_account("c" * 64)
        assert not bob.disabled
        await uow.accounts.set_disabled_at("acc-1", None)
        await uow.commit()

    async with unit_of_work() as uow:
        assert not (await uow.accounts.get("acc-1")).disabled


async def test_an_account_deleted_goes_with_its_tokens_and_only_its_listed_files(
    unit_of_work: UnitOfWork,
) -> None:
    await add_account(unit_of_work, account())
    await add_account(unit_of_work, account("acc-2", "bob"))
    async with unit_of_work() as uow:
        await uow.tokens.add(token("h1", NOW + timedelta(days=1)))
        await uow.tokens.add(token("h2", NOW + timedelta(days=1), account_id="acc-2"))
        await uow.api_tokens.add(ApiToken("t1", "h1", "acc-1", "ci", NOW, NOW + timedelta(days=1)))
        await uow.files.add_unless_present(listed("mine00001"))
        await uow.files.tombstone(tombstone("mine00002"))
        await uow.files.add_unless_present(listed("theirs001", account_id="acc-2"))
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.files.delete_of_account("acc-1") == 2
        assert await uow.accounts.delete("acc-1") is True
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.accounts.get("acc-1") is None and await uow.accounts.get_by_username("alice") is None
        assert await uow.tokens.get("h1") is None and await uow.api_tokens.get_by_hash("h1") is None
        assert await uow.files.get("mine00001") is None and await uow.files.get("mine00002") is None
        assert await uow.tokens.get("h2") is not None and await uow.files.get("theirs001") is not None
        assert await uow.accounts.delete("acc-1") is False
