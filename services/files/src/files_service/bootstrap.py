"""The composition root: the only place that builds concrete adapters and wires them together."""

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from files_service.adapters.database import create_engine, sqlite_database_path
from files_service.adapters.event_codec import encode_event
from files_service.adapters.local_disk_blob_store import TEMP_DIR_NAME, LocalDiskBlobStore
from files_service.adapters.nats_publisher import NatsEventPublisher
from files_service.adapters.s3_blob_store import S3BlobStore
from files_service.adapters.s3_client import S3Connection, s3_client
from files_service.adapters.schema import SCHEMA
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.admin import FilesAdmin
from files_service.domain.ports import DownloadUrlSigner
from files_service.domain.quotas import AccountQuota
from files_service.group_commit import GroupCommit
from files_service.metrics import EventMetrics, FilesMetrics
from files_service.purge import ExpiredFilesPurge
from files_service.reconcile import FilesReconciler
from files_service.relay import OutboxRelay
from files_service.service import FilesService, UnitOfWorkFactory, utc_now
from files_service.settings import Settings
from files_service.temp_cleanup import remove_stale_temp
from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import EventStream
from fileuploader_runtime.private_files import (
    create_private_files_from_now_on,
    make_private,
    sqlite_files,
)
from fileuploader_runtime.task_stopping import cancel_and_wait

StoreAdapter = LocalDiskBlobStore | S3BlobStore

logger = logging.getLogger(__name__)

LAST_EVENTS_PUBLISH_SECONDS = 2.0


@dataclass
class Application:
    service: FilesService
    relay: OutboxRelay
    purge: ExpiredFilesPurge
    blob_store: StoreAdapter
    engine: AsyncEngine
    nats: NatsConnection
    uow_factory: UnitOfWorkFactory
    metrics: FilesMetrics
    registry: CollectorRegistry
    storage_connections: contextlib.AsyncExitStack
    _relay_task: asyncio.Task[None] | None = field(default=None, repr=False)

    def start_relay(self) -> None:
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")

    async def close(self) -> None:
        """The events committed last are published on the way out, when NATS takes them at once;
        whatever is left stays in the outbox for the next start's relay."""
        if self._relay_task is not None:
            await cancel_and_wait([self._relay_task])
            await self._publish_the_last_events()
        await self.nats.close()
        await self.engine.dispose()
        await self.storage_connections.aclose()

    async def _publish_the_last_events(self) -> None:
        try:
            async with asyncio.timeout(LAST_EVENTS_PUBLISH_SECONDS):
                await self.relay.relay_once()
        except Exception as error:
            logger.warning("left the last events in the outbox at shutdown: %r", error)


def protect_local_data(settings: Settings) -> None:
    """For the whole process: what it creates is private, and what it keeps here already is made so.
    Raises StorageNotPrivate when that cannot be done."""
    create_private_files_from_now_on()
    make_private(local_data_paths(settings))


def local_data_paths(settings: Settings) -> list[Path]:
    """The data dir when files keeps anything there, the local store's directories and the SQLite
    database's files. A database elsewhere leaves its directory alone (it may be shared)."""
    data_dir = settings.data_dir.resolve()
    paths: list[Path] = []
    if settings.storage_backend == "local":
        blobs = settings.blob_directory
        paths += [settings.data_dir] if blobs.resolve().is_relative_to(data_dir) else []
        paths += [blobs, blobs / TEMP_DIR_NAME]
    database = sqlite_database_path(settings.sqlalchemy_url)
    if database is not None:
        paths += [settings.data_dir] if database.resolve().is_relative_to(data_dir) else []
        paths += sqlite_files(database)
    return list(dict.fromkeys(paths))


def s3_connection_of(settings: Settings) -> S3Connection:
    secret = settings.s3_secret_access_key
    return S3Connection(
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        addressing_style=settings.s3_addressing_style,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret is not None else None,
    )


async def open_blob_store(settings: Settings, connections: contextlib.AsyncExitStack) -> StoreAdapter:
    """The configured store, its connections (if any) closed by `connections`; nothing checked or changed."""
    match settings.storage_backend:
        case "local":
            return LocalDiskBlobStore(settings.blob_directory, read_chunk_size=settings.read_chunk_size)
        case "s3":
            connection = s3_connection_of(settings)
            client = await connections.enter_async_context(s3_client(connection))
            signer = client
            if settings.s3_public_endpoint_url is not None:
                public = s3_client(connection, endpoint_url=settings.s3_public_endpoint_url)
                signer = await connections.enter_async_context(public)
            store = S3BlobStore(
                client,
                settings.s3_bucket,
                part_size=settings.s3_part_size,
                read_chunk_size=settings.read_chunk_size,
                signer=signer,
                create_bucket=settings.s3_create_bucket,
            )
            connections.push_async_callback(store.wait_for_aborts)
            return store


async def prepare_blob_store(settings: Settings, store: StoreAdapter) -> None:
    """The storage ready to serve: its directories or bucket there, stale temp leftovers removed."""
    await store.prepare()
    grace = timedelta(seconds=settings.temp_cleanup_grace_seconds)
    await remove_stale_temp(store, written_before=utc_now() - grace)


def url_signer_of(store: StoreAdapter) -> DownloadUrlSigner | None:
    return store if isinstance(store, S3BlobStore) else None


def create_nats_connection(settings: Settings) -> NatsConnection:
    return NatsConnection(
        settings.nats_url.get_secret_value(),
        EventStream(settings.events_stream, settings.events_subject_prefix, settings.events_stream_replicas),
        credentials=settings.nats_credentials,
    )


def create_publisher(
    settings: Settings, connection: NatsConnection, metrics: EventMetrics
) -> NatsEventPublisher:
    return NatsEventPublisher(
        connection,
        settings.events_stream,
        settings.publish_timeout_seconds,
        published=metrics.published,
        failures=metrics.publish_failures,
        subject_prefix=settings.events_subject_prefix,
    )


def create_uow_factory(settings: Settings, engine: AsyncEngine) -> UnitOfWorkFactory:
    return functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, settings.events_subject_prefix)


async def bootstrap(settings: Settings, registry: CollectorRegistry | None = None) -> Application:
    """Storage and database ready, NATS connecting in the background, the outbox relay running. The
    metrics go to `registry` (one of the application's own when None)."""
    registry = registry if registry is not None else CollectorRegistry()
    metrics = FilesMetrics.register(registry)
    connections = contextlib.AsyncExitStack()
    engine = create_engine(settings.sqlalchemy_url)
    try:
        blob_store = await open_blob_store(settings, connections)
        await prepare_blob_store(settings, blob_store)
        await SCHEMA.upgrade(engine)
    except BaseException:
        await engine.dispose()
        await connections.aclose()
        raise
    nats_connection = create_nats_connection(settings)
    nats_connection.start()
    publisher = create_publisher(settings, nats_connection, metrics.events)
    uow_factory = create_uow_factory(settings, engine)
    writes = GroupCommit(uow_factory)  # the one writer of uploads' rows and the relay's deletes
    relay = OutboxRelay(
        uow_factory,
        publisher,
        settings.outbox_relay_interval_seconds,
        writes=writes,
        pace_seconds=settings.outbox_relay_pace_seconds,
    )
    seek_grace = timedelta(seconds=settings.seek_grace_seconds)
    service = FilesService(
        uow_factory,
        blob_store,
        max_file_size=settings.max_file_size,
        url_signer=url_signer_of(blob_store),
        download_url_ttl=timedelta(seconds=settings.presigned_url_ttl_seconds),
        relay=relay,
        delete_event_wait=timedelta(seconds=settings.publish_timeout_seconds),
        quota=AccountQuota(max_bytes=settings.account_quota_bytes, max_files=settings.account_quota_files),
        seek_grace=seek_grace,
        inline_max_bytes=settings.inline_max_bytes,
        writes=writes,
    )
    purge = ExpiredFilesPurge(uow_factory, blob_store, relay, utc_now, seek_grace, settings.purge_batch_size)
    application = Application(
        service,
        relay,
        purge,
        blob_store,
        engine,
        nats_connection,
        uow_factory,
        metrics,
        registry,
        connections,
    )
    application.start_relay()
    return application


@dataclass
class Reconciliation:
    """What the reconcile command works with. It neither creates tables nor touches temp data at start:
    it must not alter a store it is about to inspect."""

    reconciler: FilesReconciler
    engine: AsyncEngine
    nats: NatsConnection
    storage_connections: contextlib.AsyncExitStack

    async def close(self) -> None:
        await self.nats.close()
        await self.engine.dispose()
        await self.storage_connections.aclose()


async def build_reconciliation(settings: Settings, nats_timeout_seconds: float) -> Reconciliation:
    """NATS is connected only when there are events to publish, and waited for at most the timeout."""
    connections = contextlib.AsyncExitStack()
    blob_store = await open_blob_store(settings, connections)
    engine = create_engine(settings.sqlalchemy_url)
    nats_connection = create_nats_connection(settings)
    unserved = EventMetrics.register(CollectorRegistry())  # a one-off command: nobody scrapes it
    publisher = create_publisher(settings, nats_connection, unserved)
    uow_factory = create_uow_factory(settings, engine)
    relay = OutboxRelay(uow_factory, publisher, settings.outbox_relay_interval_seconds)

    async def connect_publisher() -> None:
        nats_connection.start()
        try:
            await asyncio.wait_for(nats_connection.wait_ready(), nats_timeout_seconds)
        except TimeoutError:
            logger.warning("NATS not ready after %.0f s; the events stay in the outbox", nats_timeout_seconds)

    reconciler = FilesReconciler(uow_factory, blob_store, relay, connect_publisher)
    return Reconciliation(reconciler, engine, nats_connection, connections)


@dataclass
class Administration:
    """What the admin command works with: the use cases, and the outbox relay that publishes a delete's
    event (its own, since the command runs beside the service's processes). No schema change at start."""

    admin: FilesAdmin
    engine: AsyncEngine
    nats: NatsConnection
    storage_connections: contextlib.AsyncExitStack
    relay: OutboxRelay
    _nats_timeout_seconds: float
    _relay_task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def schema_problem(self) -> str | None:
        """What is wrong with the database's schema for these commands, or None (they never change it)."""
        return await SCHEMA.problem(self.engine)

    async def start_publishing(self) -> None:
        """Connects NATS (waiting at most the timeout) and runs the relay; without NATS the events wait
        in the outbox for the service's own relays."""
        self.nats.start()
        try:
            await asyncio.wait_for(self.nats.wait_ready(), self._nats_timeout_seconds)
        except TimeoutError:
            logger.warning(
                "NATS not ready after %.0f s; the events stay in the outbox", self._nats_timeout_seconds
            )
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")

    async def close(self) -> None:
        if self._relay_task is not None:
            await cancel_and_wait([self._relay_task])
        await self.nats.close()
        await self.engine.dispose()
        await self.storage_connections.aclose()


async def build_administration(
    settings: Settings, operator: str, nats_timeout_seconds: float
) -> Administration:
    connections = contextlib.AsyncExitStack()
    blob_store = await open_blob_store(settings, connections)
    engine = create_engine(settings.sqlalchemy_url)
    nats_connection = create_nats_connection(settings)
    unserved = EventMetrics.register(CollectorRegistry())  # a one-off command: nobody scrapes it
    publisher = create_publisher(settings, nats_connection, unserved)
    uow_factory = create_uow_factory(settings, engine)
    relay = OutboxRelay(uow_factory, publisher, settings.outbox_relay_interval_seconds)
    service = FilesService(
        uow_factory,
        blob_store,
        max_file_size=settings.max_file_size,
        relay=relay,
        delete_event_wait=timedelta(seconds=settings.publish_timeout_seconds),
    )
    admin = FilesAdmin(uow_factory, service, operator)
    return Administration(admin, engine, nats_connection, connections, relay, nats_timeout_seconds)
