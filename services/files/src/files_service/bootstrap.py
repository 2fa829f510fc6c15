"""The composition root: the only place that builds concrete adapters and wires them together."""

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from files_service.adapters.database import create_engine, create_schema
from files_service.adapters.local_disk_blob_store import LocalDiskBlobStore
from files_service.adapters.nats_connection import NatsConnection
from files_service.adapters.nats_publisher import NatsEventPublisher
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.entrypoints.event_codec import encode_event
from files_service.metrics import EventMetrics, FilesMetrics
from files_service.ports import BlobStore
from files_service.reconcile import FilesReconciler
from files_service.relay import OutboxRelay
from files_service.service import FilesService, UnitOfWorkFactory
from files_service.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Application:
    service: FilesService
    relay: OutboxRelay
    blob_store: BlobStore
    engine: AsyncEngine
    nats: NatsConnection
    uow_factory: UnitOfWorkFactory
    metrics: FilesMetrics
    registry: CollectorRegistry
    _relay_task: asyncio.Task[None] | None = field(default=None, repr=False)

    def start_relay(self) -> None:
        self._relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")

    async def close(self) -> None:
        if self._relay_task is not None:
            self._relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_task
        await self.nats.close()
        await self.engine.dispose()


def create_blob_store(settings: Settings) -> LocalDiskBlobStore:
    match settings.storage_backend:
        case "local":
            return LocalDiskBlobStore(settings.blob_directory, read_chunk_size=settings.read_chunk_size)


async def build_blob_store(settings: Settings) -> BlobStore:
    """The storage is ready (directories made, temp leftovers removed) when this returns."""
    store = create_blob_store(settings)
    await store.prepare()
    await store.clean_temp()
    return store


def create_nats_connection(settings: Settings) -> NatsConnection:
    return NatsConnection(
        settings.nats_url.get_secret_value(),
        stream_name=settings.events_stream,
        stream_subjects=[f"{settings.events_subject_prefix}.>"],
        stream_replicas=settings.events_stream_replicas,
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
    )


def create_uow_factory(settings: Settings, engine: AsyncEngine) -> UnitOfWorkFactory:
    return functools.partial(SqlAlchemyUnitOfWork, engine, encode_event, settings.events_subject_prefix)


async def bootstrap(settings: Settings, registry: CollectorRegistry | None = None) -> Application:
    """Storage and database ready, NATS connecting in the background, the outbox relay running. The
    metrics go to `registry` (one of the application's own when None)."""
    registry = registry if registry is not None else CollectorRegistry()
    metrics = FilesMetrics.register(registry)
    blob_store = await build_blob_store(settings)
    engine = create_engine(settings.sqlalchemy_url)
    try:
        await create_schema(engine)
    except BaseException:
        await engine.dispose()
        raise
    nats_connection = create_nats_connection(settings)
    nats_connection.start()
    publisher = create_publisher(settings, nats_connection, metrics.events)
    uow_factory = create_uow_factory(settings, engine)
    service = FilesService(uow_factory, blob_store, publisher, max_file_size=settings.max_file_size)
    relay = OutboxRelay(uow_factory, publisher, settings.outbox_relay_interval_seconds)
    application = Application(
        service, relay, blob_store, engine, nats_connection, uow_factory, metrics, registry
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

    async def close(self) -> None:
        await self.nats.close()
        await self.engine.dispose()


def build_reconciliation(settings: Settings, nats_timeout_seconds: float) -> Reconciliation:
    """NATS is connected only when there are events to publish, and waited for at most the timeout."""
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

    reconciler = FilesReconciler(uow_factory, create_blob_store(settings), relay, connect_publisher)
    return Reconciliation(reconciler, engine, nats_connection)
