"""The schema runner and the migrate command, on a toy migration history (toy_migrations/)."""

import logging
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fileuploader_runtime.db.migrate_command import EXIT_FAILED, EXIT_MIGRATED, migrate
from fileuploader_runtime.db.schema import MigratedSchema, UnknownSchema

SCHEMA = MigratedSchema(
    service="toy",
    migrations=Path(__file__).with_name("toy_migrations"),
    version_table="alembic_version_toy",
    baseline="0001",
    baseline_tables=frozenset({"notes", "tags"}),
    advisory_lock_key=0x746F79_01,
)


@pytest.fixture
async def engine(tmp_path: Path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'toy.db'}")
    yield engine
    await engine.dispose()


async def columns(engine: AsyncEngine, table: str) -> list[str]:
    async with engine.connect() as connection:
        found = await connection.run_sync(lambda sync: inspect(sync).get_columns(table))
    return [column["name"] for column in found]


async def test_an_empty_database_is_brought_to_the_head(engine):
    assert await SCHEMA.current_revision(engine) is None

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == SCHEMA.head_revision() == "0002"
    assert await columns(engine, "tags") == ["id", "name"]


async def test_upgrading_twice_changes_nothing(engine):
    await SCHEMA.upgrade(engine)
    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == "0002"


async def test_a_database_made_before_migrations_is_stamped_at_the_baseline_and_keeps_its_rows(engine):
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, text VARCHAR NOT NULL)"))
        await connection.execute(text("CREATE TABLE tags (id INTEGER PRIMARY KEY)"))
        await connection.execute(text("INSERT INTO notes (id, text) VALUES (1, 'kept')"))

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.current_revision(engine) == "0002"
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT text FROM notes"))).scalars().all() == ["kept"]


async def test_a_database_with_part_of_the_tables_and_no_version_is_refused_untouched(engine):
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, text VARCHAR NOT NULL)"))

    with pytest.raises(UnknownSchema, match=r"\['notes'\] but not \['tags'\]"):
        await SCHEMA.upgrade(engine)

    async with engine.connect() as connection:
        assert await connection.run_sync(lambda sync: inspect(sync).get_table_names()) == ["notes"]


async def test_the_migrate_command_says_which_revision_it_reached(tmp_path, caplog):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'toy.db'}")
    caplog.set_level(logging.INFO)

    assert await migrate(engine, SCHEMA) == EXIT_MIGRATED

    assert "toy database schema at revision 0002 (was none)" in caplog.text


async def test_the_migrate_command_fails_with_the_reason(tmp_path, caplog):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'toy.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE tags (id INTEGER PRIMARY KEY)"))

    assert await migrate(engine, SCHEMA) == EXIT_FAILED

    assert "migration failed: UnknownSchema" in caplog.text


async def test_a_database_behind_the_head_is_a_problem_for_commands_that_never_migrate(engine):
    assert await SCHEMA.problem(engine) == (
        "the toy database is at schema revision none, not 0002: "
        "run `python -m toy_service migrate` (or start this release's service) first"
    )

    await SCHEMA.upgrade(engine)

    assert await SCHEMA.problem(engine) is None
