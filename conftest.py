"""Fixtures every test suite in the repository may use: real NATS, PostgreSQL and S3 (SeaweedFS)."""
import pathlib
from collections.abc import Iterator

import pytest
from _pytest.nodeid import NodeId

from support.nats import NatsCluster, NatsServer
from support.postgres import PostgresServer
from support.redis import RedisServer
from seaweedfs import SeaweedFS


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """Under pytest-xdist (`make test`: --dist loadgroup) the tests of a module that share a module-scoped
    fixture (a stack of the module's own) run on one worker: spread over several, each would start it."""
    if config.pluginmanager.has_plugin("xdist"):
        for item in items:
            if _uses_a_module_scoped_fixture(item):
                item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    yield
    # pytest-xdist 3.8 files a test under its group by setting `item._nodeid`, which pytest 9 no longer
    # reads: without this every test would be scheduled on its own, groups or not.
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if grouped and grouped != item.nodeid:
            item._id = NodeId.parse(grouped)


def _uses_a_module_scoped_fixture(item: pytest.Item) -> bool:
    fixture_info = getattr(item, "_fixtureinfo", None)
    if fixture_info is None:
        return False
    return any(definitions and definitions[-1].scope == "module"
               for definitions in fixture_info.name2fixturedefs.values())


@pytest.fixture
def nats_server(tmp_path: pathlib.Path):
    """A private nats-server with JetStream on a free port, stopped after the test."""
    server = NatsServer(tmp_path / "nats").start()
    yield server
    server.stop()


@pytest.fixture
def nats_cluster(tmp_path: pathlib.Path):
    """Three clustered nats-servers with JetStream on free ports; `url` is the first one's."""
    cluster = NatsCluster(tmp_path / "nats-cluster").start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer):
    """The SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: pathlib.Path):
    """Each test that takes it runs twice: on a fresh SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A SeaweedFS S3 server on free loopback ports for the whole session (credentials enforced)."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(seaweedfs: SeaweedFS):
    """A fresh, empty bucket of the session's SeaweedFS, emptied and deleted after the test."""
    bucket = seaweedfs.create_bucket()
    yield bucket
    seaweedfs.delete_bucket(bucket)


@pytest.fixture
def redis_server():
    """A private redis-server on a free port, stopped after the test (`.stop()` / `.start()` to cut it)."""
    server = RedisServer().start()
    yield server
    server.stop()
