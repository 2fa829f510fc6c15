"""Fixtures of the fault tests: infrastructure a test may break on purpose."""

import pytest

from support.postgres import PrivatePostgres


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of the test's own, free to crash and restart (never the shared server).
    A test names it before make_stack, so that its stacks are stopped before the cluster goes."""
    server = PrivatePostgres()
    try:
        yield server.start()
    finally:
        server.destroy()
