"""A stack of its own for the fuzzer (rate limits raised), and the API description it serves."""

import pathlib

import pytest
import schemathesis

from support.stacks import UNLIMITED_RATES, running_stack, stack_config

SCHEMATHESIS_CONFIG = pathlib.Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="session")
def fuzz_stack(tmp_path_factory, postgres_server):
    config = stack_config(tmp_path_factory.mktemp("fuzz-stack"), postgres_server, **UNLIMITED_RATES)
    with running_stack(config, postgres_server) as running:
        yield running


@pytest.fixture(scope="session")
def api_schema(fuzz_stack):
    config = schemathesis.Config.from_path(SCHEMATHESIS_CONFIG)
    return schemathesis.openapi.from_url(fuzz_stack.gateway_url + "/openapi.json", config=config)
