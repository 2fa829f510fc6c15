"""The three services as real processes, against real PostgreSQL and a real nats-server."""
import pytest

from support.stacks import UNLIMITED, launched, stack_config

PUBLIC_URL = "https://files.example.test"


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
    yield from launched(config, postgres_server)


@pytest.fixture
def own_stack(tmp_path, postgres_server):
    """A stack of the test's own, for tests that stop or restart services."""
    config = stack_config(
        tmp_path / "stack",
        postgres_server,
        FU_GATEWAY_UPLOAD_RATE_LIMIT=UNLIMITED,
        FU_GATEWAY_AUTH_RATE_LIMIT=UNLIMITED,
    )
    yield from launched(config, postgres_server)


@pytest.fixture
def base_url(stack) -> str:
    return stack.gateway_url
