"""The composition root: the one place that builds concrete adapters and wires the use cases."""

import functools
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import grpc
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from auth_service.adapters.clock import SystemClock
from auth_service.adapters.database import create_engine, sqlite_database_path
from auth_service.adapters.events_applied import JetStreamEventsApplied
from auth_service.adapters.files_client import GrpcFilesRecords, open_files_channel
from auth_service.adapters.jetstream import EventStreamConfig
from auth_service.adapters.jwt_secret import load_or_create_secret
from auth_service.adapters.schema import SCHEMA
from auth_service.adapters.sqlite_listings import SqliteAccountListings
from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.admin import AccountsAdmin
from auth_service.domain.model import TokenLifetimes
from auth_service.entrypoints.event_handlers import FileEventHandler
from auth_service.entrypoints.file_event_consumer import NatsFileEventConsumer
from auth_service.metrics import AuthMetrics
from auth_service.reconcile import AccountListsReconciler
from auth_service.security.passwords import Argon2Parameters, Argon2PasswordHasher
from auth_service.security.tokens import JwtTokenCodec
from auth_service.service import AccountFilesProjection, AuthService
from auth_service.settings import Settings
from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import EventStream
from fileuploader_runtime.private_files import create_private_files_from_now_on, make_private, sqlite_files

NATS_RETRY_SECONDS = 0.5  # between tries to connect, and to reconnect
NATS_REQUEST_TIMEOUT_SECONDS = 2.0  # each JetStream API request


@dataclass
class Application:
    auth: AuthService
    projection: AccountFilesProjection
    consumer: NatsFileEventConsumer
    engine: AsyncEngine
    metrics: AuthMetrics
    registry: CollectorRegistry
    sqlite_listings: SqliteAccountListings | None = None

    async def upgrade_schema(self) -> None:
        await SCHEMA.upgrade(self.engine)

    async def close(self) -> None:
        await self.consumer.close()
        if self.sqlite_listings is not None:
            await self.sqlite_listings.close()
        await self.engine.dispose()


def bootstrap(settings: Settings, registry: CollectorRegistry | None = None) -> Application:
    """The metrics go to `registry` (one of the application's own when None)."""
    registry = registry if registry is not None else CollectorRegistry()
    metrics = AuthMetrics.register(registry)
    engine = create_engine(settings.database_url)
    unit_of_work = functools.partial(SqlAlchemyUnitOfWork, engine)
    sqlite_database = sqlite_database_path(settings.database_url)
    sqlite_listings = SqliteAccountListings(engine, sqlite_database) if sqlite_database else None
    projection = AccountFilesProjection(unit_of_work)
    consumer = NatsFileEventConsumer(
        connection=nats_connection(settings),
        config=event_stream_config(settings),
        handler=FileEventHandler(projection, settings.events_subject_prefix, metrics.events.applied),
    )
    auth = AuthService(
        unit_of_work=unit_of_work,
        passwords=Argon2PasswordHasher(
            Argon2Parameters(
                settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
            ),
            concurrency=settings.password_hash_concurrency,
            metrics=metrics.password_hashes,
        ),
        tokens=JwtTokenCodec(jwt_secret(settings)),
        clock=SystemClock(),
        lifetimes=TokenLifetimes(
            normal=timedelta(seconds=settings.token_ttl_seconds),
            bot=timedelta(seconds=settings.bot_token_ttl_seconds),
            api=timedelta(seconds=settings.api_token_max_ttl_seconds),
        ),
        file_events=consumer,
        catch_up_timeout=settings.catch_up_timeout_seconds,
        min_password_length=settings.min_password_length,
        listings=sqlite_listings,
    )
    return Application(auth, projection, consumer, engine, metrics, registry, sqlite_listings)


def protect_local_data(settings: Settings) -> None:
    """For the whole process: what it creates is private, and what it keeps here already is made so.
    Raises StorageNotPrivate when that cannot be done."""
    create_private_files_from_now_on()
    make_private(local_data_paths(settings))


def local_data_paths(settings: Settings) -> list[Path]:
    """The data dir when auth keeps anything there (the generated JWT secret, the SQLite database),
    the secret and the database's files. A database elsewhere leaves its directory alone: it may be
    shared, but its files are auth's."""
    paths: list[Path] = []
    if settings.jwt_secret is None:
        paths += [settings.data_dir, settings.jwt_secret_file]
    database = sqlite_database_path(settings.database_url)
    if database is not None:
        if database.resolve().is_relative_to(settings.data_dir.resolve()):
            paths.append(settings.data_dir)
        paths += sqlite_files(database)
    return list(dict.fromkeys(paths))


def event_stream_config(settings: Settings) -> EventStreamConfig:
    return EventStreamConfig(
        EventStream(settings.events_stream, settings.events_subject_prefix, settings.events_stream_replicas),
        settings.events_durable,
        settings.events_ack_wait_seconds,
    )


def nats_connection(settings: Settings) -> NatsConnection:
    return NatsConnection(
        settings.nats_url,
        event_stream_config(settings).stream,
        retry_seconds=NATS_RETRY_SECONDS,
        request_timeout=NATS_REQUEST_TIMEOUT_SECONDS,
        credentials=settings.nats_credentials,
    )


def jwt_secret(settings: Settings) -> str:
    """The configured secret; in development without one, a generated one kept in the data dir."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return load_or_create_secret(settings.jwt_secret_file)


@dataclass
class Reconciliation:
    """What the reconcile command works with: no schema is created, no event consumed, no token touched."""

    reconciler: AccountListsReconciler
    engine: AsyncEngine
    files_channel: grpc.aio.Channel
    events: JetStreamEventsApplied

    async def close(self) -> None:
        await self.events.close()
        await self.files_channel.close()
        await self.engine.dispose()


def build_reconciliation(settings: Settings) -> Reconciliation:
    engine = create_engine(settings.database_url)
    files_channel = open_files_channel(settings.files_address)
    events = JetStreamEventsApplied(
        settings.nats_url, event_stream_config(settings), settings.nats_credentials
    )
    reconciler = AccountListsReconciler(
        unit_of_work=functools.partial(SqlAlchemyUnitOfWork, engine),
        files=GrpcFilesRecords(
            files_channel, settings.rpc_token.get_secret_value() if settings.rpc_token else None
        ),
        events=events,
        clock=SystemClock(),
    )
    return Reconciliation(reconciler, engine, files_channel, events)


@dataclass
class Administration:
    """What the admin command works with: the database only (no schema change, no event consumed)."""

    admin: AccountsAdmin
    engine: AsyncEngine

    async def schema_problem(self) -> str | None:
        """What is wrong with the database's schema for these commands, or None (they never change it)."""
        return await SCHEMA.problem(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


def build_administration(settings: Settings, operator: str) -> Administration:
    engine = create_engine(settings.database_url)
    admin = AccountsAdmin(functools.partial(SqlAlchemyUnitOfWork, engine), SystemClock(), operator)
    return Administration(admin, engine)
