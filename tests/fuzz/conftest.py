"""A stack of its own for the fuzzer (rate limits raised), and the API description it serves."""
import pathlib

import httpx
import pytest
import schemathesis

from support.stacks import UNLIMITED, launched, stack_config

SCHEMATHESIS_CONFIG = pathlib.Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory, postgres_server):
    config = stack_config(
        tmp_path_factory.mktemp("fuzz-stack"),
        postgres_server,
        FU_GATEWAY_UPLOAD_RATE_LIMIT=UNLIMITED,
        FU_GATEWAY_AUTH_RATE_LIMIT=UNLIMITED,
    )
    yield from launched(config, postgres_server)


@pytest.fixture(scope="session")
def api_schema(fuzz_stack):
    config = schemathesis.Config.from_path(SCHEMATHESIS_CONFIG)
    return schemathesis.openapi.from_url(fuzz_stack.gateway_url + "/openapi.json", config=config)
