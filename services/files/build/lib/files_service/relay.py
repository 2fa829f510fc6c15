"""The outbox relay: publishes, oldest first, the events the use cases could not publish at once."""

import asyncio
import logging

from files_service.domain.errors import DatabaseUnavailable
from files_service.ports import EventPublisher, PublishFailed
from files_service.service import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        publisher: EventPublisher,
        interval_seconds: float,
        batch_size: int = 100,
    ) -> None:
        self._uow_factory = uow_factory
        self._publisher = publisher
        self._interval_seconds = interval_seconds
        self._batch_size = batch_size

    async def relay_once(self) -> int:
        """Publish pending events in order, deleting each after its ack; stop at the first failure."""
        async with self._uow_factory() as uow:
            pending = await uow.outbox.oldest(self._batch_size)
        published = 0
        for message in pending:
            try:
                await self._publisher.publish(message)
            except PublishFailed as error:
                logger.info("outbox relay paused at event %s: %s", message.event_id, error)
                break
            async with self._uow_factory() as uow:
                await uow.outbox.remove(message.event_id)
                await uow.commit()
            published += 1
        if published:
            logger.info("outbox relay published %d event(s)", published)
        return published

    async def backlog(self) -> int:
        """How many events wait in the outbox."""
        async with self._uow_factory() as uow:
            return await uow.outbox.count()

    async def run(self) -> None:
        """Relay until cancelled: at once while a backlog drains, else every interval."""
        while True:
            try:
                published = await self.relay_once()
            except DatabaseUnavailable as error:
                logger.warning("outbox relay waiting for the database: %s", error)
                published = 0
            except Exception:
                logger.exception("outbox relay round failed")
                published = 0
            if published < self._batch_size:
                await asyncio.sleep(self._interval_seconds)
