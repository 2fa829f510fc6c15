"""Fresh PostgreSQL databases for tests.

The server comes from FU_TEST_DATABASE_URL (default: the local server), or, when that is not
reachable and a Docker engine answers, from a testcontainers PostgreSQL. Without either the tests
that need PostgreSQL fail with a message that says so: they are never skipped silently.

PrivatePostgres is a cluster of a test's own, for tests that stop and restart PostgreSQL.
"""

import asyncio
import glob
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

from stack import free_port

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


def query(url: str, sql: str) -> list[dict]:
    """The rows of one query, for tests that look into a service's database."""
    return [dict(row) for row in fetch(url, sql)]


def _reachable(admin_url: str) -> bool:
    try:
        asyncio.run(_execute(admin_url, "SELECT 1"))
        return True
    except (TimeoutError, OSError, Exception):
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
        return create_database(self.admin_url)

    def drop_database(self, url: str) -> None:
        drop_database(self.admin_url, url)

    def stop(self) -> None:
        if self._container is not None:
            self._container.stop()


def create_database(admin_url: str) -> str:
    name = "fu_test_" + uuid.uuid4().hex[:16]
    asyncio.run(_execute(admin_url, f'CREATE DATABASE "{name}"'))
    return _with_database(admin_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)


def drop_database(admin_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    asyncio.run(_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, which it may stop, crash and restart: initdb into a
    temp directory, pg_ctl on a free loopback port, fsync on. initdb refuses root, so as root the
    cluster belongs to (and runs as) the `postgres` user."""

    def __init__(self) -> None:
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._bin = _postgres_bin_directory()
        self._owner = _cluster_owner()
        self._home = pathlib.Path(tempfile.mkdtemp(prefix="fu-private-pg-"))
        self.data_dir = self._home / "data"
        if self._owner is not None:
            shutil.chown(self._home, self._owner.pw_uid, self._owner.pw_gid)

    def start(self) -> "PrivatePostgres":
        if not self.data_dir.exists():
            self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self._home} -c fsync=on"
        log = str(self._home / "log")
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", log, "-o", options)
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast` shuts down cleanly; `immediate` is a crash (the next start recovers from the WAL)."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data_dir), "-m", mode)

    def create_database(self) -> str:
        return create_database(self.admin_url)

    def drop_database(self, url: str) -> None:
        drop_database(self.admin_url, url)

    def destroy(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self._home, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        log = self._home / "log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def _run(self, program: str, *args: str) -> None:
        runner = ["runuser", "-u", self._owner.pw_name, "--"] if self._owner is not None else []
        done = subprocess.run([*runner, str(self._bin / program), *args], capture_output=True, text=True)
        if done.returncode != 0:
            output = f"{done.stdout}{done.stderr}\n{self.log_tail()}"
            raise RuntimeError(f"{program} failed with exit code {done.returncode}:\n{output}")


def _postgres_bin_directory() -> pathlib.Path:
    """FU_TEST_POSTGRES_BIN, else pg_config's, else the newest /usr/lib/postgresql/*/bin, else PATH."""
    candidates = [os.environ.get("FU_TEST_POSTGRES_BIN", "")]
    if shutil.which("pg_config"):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        candidates.append(bindir)
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_in_path, reverse=True)
    candidates.append(os.path.dirname(shutil.which("pg_ctl") or ""))
    for candidate in filter(None, candidates):
        if (pathlib.Path(candidate) / "initdb").exists() and (pathlib.Path(candidate) / "pg_ctl").exists():
            return pathlib.Path(candidate)
    raise RuntimeError(
        "PostgreSQL's initdb and pg_ctl were not found: install the PostgreSQL server "
        "or set FU_TEST_POSTGRES_BIN to the directory that holds them"
    )


def _version_in_path(path: str) -> int:
    version = pathlib.Path(path).parent.name
    return int(version) if version.isdigit() else 0


def _cluster_owner() -> pwd.struct_passwd | None:
    """None: the cluster runs as the current user; as root it runs as `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as error:
        message = "running as root, a private PostgreSQL needs a `postgres` user to run as"
        raise RuntimeError(message) from error


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False
