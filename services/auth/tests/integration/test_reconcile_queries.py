"""The account_files queries of the reconciliation, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from auth_service.domain.account_files import AccountFile

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def listed(file_url: str, deleted: bool = False) -> AccountFile:
    return AccountFile(
        file_url, "acc-1", f"key-{file_url}", ".bin", f"{file_url}.bin", 7, NOW, deleted=deleted
    )


async def sort_text_by_language(engine: AsyncEngine) -> None:
    """As on most PostgreSQL servers (en_US.UTF-8), where "a" sorts before "B"."""
    async with engine.begin() as connection:
        await connection.execute(
            text('ALTER TABLE account_files ALTER COLUMN file_url TYPE varchar COLLATE "en-x-icu"')
        )


@pytest.fixture
async def rows(engine, unit_of_work) -> list[AccountFile]:
    if engine.dialect.name == "postgresql":
        await sort_text_by_language(engine)
    rows = [
        listed("b-file"),
        listed("B-file", deleted=True),
        listed("a-file"),
        listed("_-file"),
        listed("A-file"),
    ]
    async with unit_of_work() as uow:
        for row in rows:
            await uow.files.add_unless_present(row)
        await uow.files.tombstone(listed("B-file", deleted=True))
        await uow.commit()
    return rows


async def test_stream_all_yields_every_row_and_tombstone_by_code_point(unit_of_work, rows) -> None:
    async with unit_of_work() as uow:
        streamed = [row async for row in uow.files.stream_all()]

    assert [row.file_url for row in streamed] == ["A-file", "B-file", "_-file", "a-file", "b-file"]
    assert streamed[1].deleted and streamed[0] == listed("A-file")


async def test_correct_sets_the_values_but_not_whether_the_row_is_deleted(unit_of_work, rows) -> None:
    async with unit_of_work() as uow:
        await uow.files.correct(replace(listed("a-file"), user_filename="right.bin", account_id="acc-2"))
        await uow.files.correct(replace(listed("B-file"), size=9))
        await uow.commit()

    async with unit_of_work() as uow:
        corrected, tombstone = await uow.files.get("a-file"), await uow.files.get("B-file")

    assert corrected == replace(listed("a-file"), user_filename="right.bin", account_id="acc-2")
    assert tombstone is not None and tombstone.deleted and tombstone.size == 9


async def test_revive_makes_a_tombstone_live_with_the_given_values(unit_of_work, rows) -> None:
    async with unit_of_work() as uow:
        await uow.files.revive(listed("B-file", deleted=True))
        await uow.commit()

    async with unit_of_work() as uow:
        assert await uow.files.get("B-file") == listed("B-file")
        live = {file.file_url for file in await uow.files.list_live("acc-1")}

    assert live == {"A-file", "B-file", "_-file", "a-file", "b-file"}
