"""Fresh PostgreSQL databases for tests.

The server comes from FU_TEST_DATABASE_URL (default: the local server), or, when that is not
reachable and a Docker engine answers, from a testcontainers PostgreSQL. Without either the tests
that need PostgreSQL fail with a message that says so: they are never skipped silently.
"""
import asyncio
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _execute(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fetch(url: str, sql: str, *args: object) -> list:
    """Runs one statement on the database of a SQLAlchemy or plain PostgreSQL URL; returns its rows."""
    return asyncio.run(_fetch(url, sql, *args))


async def _fetch(url: str, sql: str, *args: object) -> list:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def _reachable(admin_url: str) -> bool:
    try:
        asyncio.run(_execute(admin_url, "SELECT 1"))
        return True
    except (OSError, asyncio.TimeoutError, Exception):  # noqa: BLE001 - any failure means "not usable"
        return False


class PostgresServer:
    def __init__(self) -> None:
        self._container = None
        self.admin_url = os.environ.get("FU_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)
        self.source = "FU_TEST_DATABASE_URL" if "FU_TEST_DATABASE_URL" in os.environ else "the local server"

    def start(self) -> "PostgresServer":
        if _reachable(self.admin_url):
            return self
        if _docker_available():
            from testcontainers.postgres import PostgresContainer

            self._container = PostgresContainer("postgres:16-alpine", driver=None).start()
            self.admin_url = self._container.get_connection_url()
            self.source = "a testcontainers PostgreSQL"
            return self
        raise RuntimeError(
            f"PostgreSQL is not reachable at {self.admin_url} ({self.source}) and no Docker engine answers: "
            "start a server or set FU_TEST_DATABASE_URL=postgresql://user@host:port/db"
        )

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy asyncpg URL."""
        name = "fu_test_" + uuid.uuid4().hex[:16]
        asyncio.run(_execute(self.admin_url, f'CREATE DATABASE "{name}"'))
        return _with_database(self.admin_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        asyncio.run(_execute(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def stop(self) -> None:
        if self._container is not None:
            self._container.stop()


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no client config: either way, no Docker
        return False
