"""The stack a run targets: a fresh one of its own (scripts/stack.py) on SQLite or on fresh PostgreSQL
databases, with the rate limits raised; and what its logs say went wrong."""

from __future__ import annotations

import asyncio
import pathlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from stack import Stack, StackConfig, free_port

UNLIMITED = "1000000/minute"
RAISED_RATE_LIMITS = {"FU_GATEWAY_UPLOAD_RATE_LIMIT": UNLIMITED, "FU_GATEWAY_AUTH_RATE_LIMIT": UNLIMITED}
SERVICES = ("auth", "files", "gateway")
MAX_LOG_LINES = 20
_SERVICE_ERROR = re.compile(r"\s(?:level=)?(?:ERROR|CRITICAL)\s|^Traceback \(most recent call last\)")
_NATS_ERROR = re.compile(r"\[(?:ERR|FTL)\]")


class FreshDatabases:
    """Databases created on a PostgreSQL server for one run and dropped after it."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self._names: list[str] = []

    def create(self) -> str:
        name = "fu_load_" + uuid.uuid4().hex[:16]
        asyncio.run(self._execute(f'CREATE DATABASE "{name}"'))
        self._names.append(name)
        return urlunsplit(urlsplit(self._admin_url)._replace(path="/" + name))

    def drop_all(self) -> None:
        while self._names:
            asyncio.run(self._execute(f'DROP DATABASE IF EXISTS "{self._names.pop()}" WITH (FORCE)'))

    async def _execute(self, sql: str) -> None:
        dsn = re.sub(r"^postgres(?:ql)?\+asyncpg://", "postgresql://", self._admin_url)
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()


@contextmanager
def own_stack(data_dir: pathlib.Path, admin_url: str | None) -> Iterator[Stack]:
    """A fresh stack on free ports with its data under `data_dir`; PostgreSQL when `admin_url` is given."""
    databases = FreshDatabases(admin_url) if admin_url else None
    try:
        config = StackConfig(
            data_dir=data_dir,
            gateway_port=free_port(),
            auth_port=free_port(),
            files_port=free_port(),
            nats_port=free_port(),
            auth_database_url=databases.create() if databases else None,
            files_database_url=databases.create() if databases else None,
            env=RAISED_RATE_LIMITS,
        )
        stack = Stack(config).start()
        try:
            yield stack
        finally:
            stack.stop()
    finally:
        if databases:
            databases.drop_all()


def logged_errors(stack: Stack) -> dict[str, list[str]]:
    """The ERROR/CRITICAL lines and tracebacks each process logged (nats-server: [ERR] and [FTL])."""
    found = {}
    for name, process in stack.processes.items():
        if process.log_path is None or not process.log_path.exists():
            continue
        pattern = _NATS_ERROR if name == "nats" else _SERVICE_ERROR
        lines = [
            line for line in process.log_path.read_text(errors="replace").splitlines() if pattern.search(line)
        ]
        if lines:
            found[name] = lines[:MAX_LOG_LINES] + (
                [f"... {len(lines) - MAX_LOG_LINES} more"] if len(lines) > MAX_LOG_LINES else []
            )
    return found
