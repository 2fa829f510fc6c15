"""Fixtures every test suite in the repository may use: real NATS, PostgreSQL and S3 (SeaweedFS)."""

import pathlib

import pytest

from seaweedfs import SeaweedFS
from support.nats import NatsCluster, NatsServer
from support.postgres import PostgresServer
from support.redis import RedisServer


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
