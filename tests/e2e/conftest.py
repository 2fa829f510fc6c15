"""The three services as real processes, against real PostgreSQL and a real nats-server."""
import pathlib
import secrets

import pytest

from stack import Stack, StackConfig, free_port


UNLIMITED = "1000000/minute"
PUBLIC_URL = "https://files.example.test"


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


def launch(config: StackConfig, postgres_server):
    stack = Stack(config).start()
    try:
        yield stack
    finally:
        stack.stop()
        for url in (config.auth_database_url, config.files_database_url):
            postgres_server.drop_database(url)


@pytest.fixture(scope="session")
def stack(tmp_path_factory, postgres_server):
    """One stack for the whole session; rate limits raised so only the rate-limit tests meet them."""
    config = stack_config(
        tmp_path_factory.mktemp("stack"),
        postgres_server,
        FU_GATEWAY_UPLOAD_RATE_LIMIT=UNLIMITED,
        FU_GATEWAY_AUTH_RATE_LIMIT=UNLIMITED,
        FU_GATEWAY_PUBLIC_URL=PUBLIC_URL,
    )
    yield from launch(config, postgres_server)


@pytest.fixture
def own_stack(tmp_path, postgres_server):
    """A stack of the test's own, for tests that stop or restart services."""
    config = stack_config(
        tmp_path / "stack", postgres_server, FU_GATEWAY_UPLOAD_RATE_LIMIT=UNLIMITED, FU_GATEWAY_AUTH_RATE_LIMIT=UNLIMITED
    )
    yield from launch(config, postgres_server)


@pytest.fixture
def base_url(stack) -> str:
    return stack.gateway_url
