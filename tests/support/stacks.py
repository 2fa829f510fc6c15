"""Stacks of real processes (scripts/stack.py) for the end-to-end and fault tests: free ports, fresh
PostgreSQL databases, rate limits out of the way unless a test sets them."""

import contextlib
import pathlib
import secrets
from collections.abc import Iterator
from typing import Protocol

from stack import Stack, StackConfig, free_port

UNLIMITED = "1000000/minute"
UNLIMITED_RATES = {"FU_GATEWAY_UPLOAD_RATE_LIMIT": UNLIMITED, "FU_GATEWAY_AUTH_RATE_LIMIT": UNLIMITED}


class DatabaseServer(Protocol):
    def create_database(self) -> str: ...

    def drop_database(self, url: str) -> None: ...


def stack_config(data_dir: pathlib.Path, database_server: DatabaseServer, **env: str) -> StackConfig:
    return StackConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        auth_port=free_port(),
        files_port=free_port(),
        nats_port=free_port(),
        auth_database_url=database_server.create_database(),
        files_database_url=database_server.create_database(),
        env={"FU_AUTH_JWT_SECRET": secrets.token_urlsafe(48), **env},
    )


@contextlib.contextmanager
def running_stack(config: StackConfig, database_server: DatabaseServer) -> Iterator[Stack]:
    """The started stack; every process stopped and both databases dropped afterwards."""
    try:
        stack = Stack(config).start()
        try:
            yield stack
        finally:
            stack.stop()
    finally:
        for url in (config.auth_database_url, config.files_database_url):
            if url:
                database_server.drop_database(url)
