"""The three services as real processes, against real PostgreSQL and a real nats-server."""

import pytest

from support.stacks import UNLIMITED_RATES, running_stack, stack_config

PUBLIC_URL = "https://files.example.test"
# the outbox backlog and the consumer lag, read every half second instead of every five
QUICK_GAUGES = {"FU_AUTH_METRICS_REFRESH_SECONDS": "0.5", "FU_FILES_METRICS_REFRESH_SECONDS": "0.5"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory, postgres_server):
    """One stack for the whole session; rate limits raised so only the rate-limit tests meet them."""
    config = stack_config(
        tmp_path_factory.mktemp("stack"),
        postgres_server,
        **UNLIMITED_RATES,
        **QUICK_GAUGES,
        FU_GATEWAY_PUBLIC_URL=PUBLIC_URL,
    )
    with running_stack(config, postgres_server) as running:
        yield running


@pytest.fixture
def base_url(stack) -> str:
    return stack.gateway_url
