"""Fixtures of the process-level suites (tests/e2e, tests/faults): stacks of a test's own."""

import contextlib
import itertools
import pathlib
from collections.abc import Callable, Iterator

import pytest

from stack import Stack
from support.stacks import UNLIMITED_RATES, DatabaseServer, running_stack, stack_config

StackFactory = Callable[..., Stack]


@pytest.fixture
def make_stack(tmp_path: pathlib.Path, postgres_server) -> Iterator[StackFactory]:
    """make_stack(database_server=None, wrappers=None, **env) -> a started stack of the test's own
    (rate limits out of the way unless `env` sets them), stopped after the test."""
    numbers = itertools.count(1)
    with contextlib.ExitStack() as stacks:

        def start(
            database_server: DatabaseServer | None = None,
            wrappers: dict[str, list[str]] | None = None,
            **env: str,
        ) -> Stack:
            server = database_server or postgres_server
            config = stack_config(tmp_path / f"stack-{next(numbers)}", server, **{**UNLIMITED_RATES, **env})
            config.wrappers = wrappers or {}
            return stacks.enter_context(running_stack(config, server))

        yield start


@pytest.fixture
def own_stack(make_stack: StackFactory) -> Stack:
    """A stack of the test's own, for tests that stop or restart services."""
    return make_stack()
