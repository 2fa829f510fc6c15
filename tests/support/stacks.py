"""Whole stacks for tests: nats-server, auth, files and gateway as processes on free ports, each
service against fresh PostgreSQL databases that are dropped when the stack stops."""
import pathlib
import secrets
from collections.abc import Iterator

from stack import Stack, StackConfig, free_port

UNLIMITED = "1000000/minute"


def stack_config(data_dir: pathlib.Path, postgres_server, **env: str) -> StackConfig:
    return StackConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        auth_port=free_port(),
        files_port=free_port(),
        nats_port=free_port(),
        auth_database_url=postgres_server.create_database(),
        files_database_url=postgres_server.create_database(),
        env={"FU_AUTH_JWT_SECRET": secrets.token_urlsafe(48), **env},
    )


def launched(config: StackConfig, postgres_server) -> Iterator[Stack]:
    """Use with `yield from` in a fixture: the started stack, stopped and its databases dropped after."""
    stack = Stack(config).start()
    try:
        yield stack
    finally:
        stack.stop()
        for url in (config.auth_database_url, config.files_database_url):
            postgres_server.drop_database(url)
