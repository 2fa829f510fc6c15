"""The composition root: the only place that builds concrete adapters and wires them together."""

import asyncio
import contextlib
import functools
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from files_service.adapters.database import create_engine, create_schema
from files_service.adapters.local_disk_blob_store import LocalDiskBlobStore
from files_service.adapters.nats_connection import NatsConnection
from files_service.adapters.nats_publisher import NatsEventPublisher
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.entrypoints.event_codec import encode_event
from files_service.ports import BlobStore
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


async def build_blob_store(settings: Settings) -> BlobStore:
    """The storage is ready (directories made, temp leftovers removed) when this returns."""
    match settings.storage_backend:
        case "local":
            store = LocalDiskBlobStore(settings.blob_directory, read_chunk_size=settings.read_chunk_size)
            await store.prepare()
    await store.clean_temp()
    return store


async def bootstrap(settings: Settings) -> Application:
    """Storage and database ready, NATS connecting in the background, the outbox relay running."""
    blob_store = await build_blob_store(settings)
    engine = create_engine(settings.sqlalchemy_url)
    try:
        await create_schema(engine)
    except BaseException:
        await engine.dispose()
        raise
    nats_connection = NatsConnection(
        settings.nats_url.get_secret_value(),
        stream_name=settings.events_stream,
        stream_subjects=[f"{settings.events_subject_prefix}.>"],
    )
    nats_connection.start()
    publisher = NatsEventPublisher(nats_connection, settings.events_stream, settings.publish_timeout_seconds)
    uow_factory = functools.partial(
        SqlAlchemyUnitOfWork, engine, encode_event, settings.events_subject_prefix
    )
    service = FilesService(uow_factory, blob_store, publisher, max_file_size=settings.max_file_size)
    relay = OutboxRelay(uow_factory, publisher, settings.outbox_relay_interval_seconds)
    application = Application(service, relay, blob_store, engine, nats_connection, uow_factory)
    application.start_relay()
    return application
