"""SQLAlchemy over OneTripConnection: the same results as over aiosqlite, a statement in one trip to
the connection's thread, and a long streamed result fetched in bounded batches."""

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from fileuploader_runtime.db import one_trip_sqlite
from fileuploader_runtime.db.one_trip_sqlite import PREFETCH_ROWS, OneTripConnection, one_trip_connector


@pytest.fixture
async def engine(tmp_path):
    url = make_url(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    engine = create_async_engine(url, async_creator=one_trip_connector(url))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The name of each function run in a connection's thread from now on."""
    made: list[str] = []
    real = OneTripConnection.in_thread

    async def counted(self, function, *args):
        name = getattr(function, "__name__", repr(function))
        made.append(f"{name}({args[-1]})" if name == "_more" else name)
        return await real(self, function, *args)

    monkeypatch.setattr(OneTripConnection, "in_thread", counted)
    return made


async def test_a_statement_and_its_rows_take_one_trip(engine, trips):
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('a'), ('b')"))
        trips.clear()
        rows = (await connection.execute(text("SELECT name FROM t ORDER BY name"))).all()

    assert [row.name for row in rows] == ["a", "b"]
    assert trips == ["_execute"]


async def test_rowcount_lastrowid_and_many_parameter_sets(engine):
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES (:name)"), [{"name": "x"}, {"name": "y"}])
        inserted = await connection.execute(text("INSERT INTO t (name) VALUES ('z')"))
        updated = await connection.execute(text("UPDATE t SET name = name || '!' WHERE name != 'z'"))

    assert inserted.lastrowid == 3
    assert updated.rowcount == 2


async def test_a_refused_statement_raises_and_changes_nothing(engine):
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('taken')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('other')"))
            await connection.execute(text("INSERT INTO t (name) VALUES ('taken')"))

    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT name FROM t"))).scalars().all()
    assert names == ["taken"]


async def test_a_long_streamed_result_comes_whole_in_bounded_batches(engine, trips, monkeypatch):
    monkeypatch.setattr(one_trip_sqlite, "PREFETCH_ROWS", 10)
    count = 95
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": f"{i:03}"} for i in range(count)]
        )
    trips.clear()

    async with engine.connect() as connection:
        async with connection.stream(text("SELECT name FROM t ORDER BY name")) as result:
            names = [row.name async for row in result]

    assert names == [f"{i:03}" for i in range(count)]
    assert trips[0] == "_execute" and len(trips) > 1  # the first 10 rows came with the statement
    assert "_more(None)" not in trips  # then batches of the size asked for, never "all that is left"


async def test_a_plain_query_longer_than_the_prefetch_returns_every_row(engine):
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO t (name) VALUES (:name)"),
            [{"name": f"{i:05}"} for i in range(PREFETCH_ROWS + 1)],
        )
        rows = (await connection.execute(text("SELECT name FROM t"))).all()

    assert len(rows) == PREFETCH_ROWS + 1
