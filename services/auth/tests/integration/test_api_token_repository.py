"""API token rows on SQLite and PostgreSQL: they go with their token's row, whatever deletes it."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.domain.model import ApiToken, TokenKind, TokenRecord

from .test_sqlalchemy_repositories import NOW, account, add_account

pytestmark = pytest.mark.integration

UnitOfWork = Callable[[], SqlAlchemyUnitOfWork]
LATER = NOW + timedelta(days=30)


def api_token(token_id: str, account_id: str = "acc-1", created_at=NOW, expires_at=LATER) -> ApiToken:
    return ApiToken(token_id, f"hash-{token_id}", account_id, f"name {token_id}", created_at, expires_at)


async def add_api_tokens(unit_of_work: UnitOfWork, *tokens: ApiToken) -> None:
    async with unit_of_work() as uow:
        for token in tokens:
            await uow.tokens.add(
                TokenRecord(token.token_hash, token.account_id, TokenKind.API, token.expires_at, NOW)
            )
            await uow.api_tokens.add(token)
        await uow.commit()


@pytest.fixture
async def two_accounts(unit_of_work: UnitOfWork) -> None:
    await add_account(unit_of_work, account())
    await add_account(unit_of_work, account("acc-2", "bob"))


async def test_api_tokens_are_listed_live_newest_first_per_account(
    unit_of_work: UnitOfWork, two_accounts
) -> None:
    older, newer = api_token("t1"), api_token("t2", created_at=NOW + timedelta(seconds=1))
    expired = api_token("t3", expires_at=NOW)
    await add_api_tokens(unit_of_work, older, newer, expired, api_token("t4", account_id="acc-2"))

    async with unit_of_work() as uow:
        assert await uow.api_tokens.list_live("acc-1", NOW) == [newer, older]
        assert await uow.api_tokens.get_by_hash("hash-t3") == expired


async def test_revoking_deletes_the_token_and_its_row_only_in_its_account(
    unit_of_work: UnitOfWork, two_accounts
) -> None:
    await add_api_tokens(unit_of_work, api_token("t1"))

    async with unit_of_work() as uow:
        assert not await uow.api_tokens.revoke("acc-2", "t1")
        assert not await uow.api_tokens.revoke("acc-1", "nope")
        assert await uow.api_tokens.revoke("acc-1", "t1")
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.tokens.get("hash-t1") is None
        assert await uow.api_tokens.list_live("acc-1", NOW) == []


async def test_an_api_token_row_goes_with_its_token_whatever_deletes_it(
    unit_of_work: UnitOfWork, two_accounts
) -> None:
    await add_api_tokens(
        unit_of_work,
        api_token("out"),
        api_token("old", expires_at=NOW),
        api_token("kept"),
        api_token("bobs", account_id="acc-2"),
    )

    async with unit_of_work() as uow:
        assert await uow.tokens.take("hash-out") is not None
        assert await uow.tokens.delete_expired(NOW) == 1
        await uow.commit()
    async with unit_of_work() as uow:
        assert [t.token_id for t in await uow.api_tokens.list_live("acc-1", NOW - timedelta(days=1))] == [
            "kept"
        ]
        assert await uow.tokens.delete_all_of_account_except("acc-1", "hash-none") == 1
        await uow.commit()
    async with unit_of_work() as uow:
        assert await uow.api_tokens.list_live("acc-1", NOW) == []
        assert [t.token_id for t in await uow.api_tokens.list_live("acc-2", NOW)] == ["bobs"]


async def test_delete_all_of_account_except_keeps_the_named_token(
    unit_of_work: UnitOfWork, two_accounts
) -> None:
    await add_api_tokens(unit_of_work, api_token("t1"), api_token("t2"))
    async with unit_of_work() as uow:
        assert await uow.tokens.delete_all_of_account_except("acc-1", "hash-t2") == 1
        await uow.commit()
    async with unit_of_work() as uow:
        assert [t.token_id for t in await uow.api_tokens.list_live("acc-1", NOW)] == ["t2"]


async def test_record_use_writes_only_over_a_stale_last_use(unit_of_work: UnitOfWork, two_accounts) -> None:
    await add_api_tokens(unit_of_work, api_token("t1"))
    minute = timedelta(minutes=1)

    for moment in (NOW, NOW + timedelta(seconds=30), NOW + timedelta(seconds=61)):
        async with unit_of_work() as uow:
            await uow.api_tokens.record_use("hash-t1", moment, moment - minute)
            await uow.commit()
        async with unit_of_work() as uow:
            seen = (await uow.api_tokens.get_by_hash("hash-t1")).last_used_at  # type: ignore[union-attr]
        assert seen == (NOW if moment < NOW + minute else moment)
