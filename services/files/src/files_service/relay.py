"""The outbox relay, the only publisher of the events: woken after each commit that wrote events, it
publishes what the outbox holds, a batch at a time with its acknowledgements awaited together."""

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from files_service.domain.errors import DatabaseUnavailable
from files_service.ports import EventPublisher, OutboxMessage, PublishFailed
from files_service.service import UnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayRound:
    published: int
    failed: int


class OutboxRelay:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        publisher: EventPublisher,
        interval_seconds: float,
        batch_size: int = 100,
    ) -> None:
        """`interval_seconds`: how long it waits when not woken, and after a round that failed."""
        self._uow_factory = uow_factory
        self._publisher = publisher
        self._interval_seconds = interval_seconds
        self._batch_size = batch_size
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Events were committed: publish them now rather than at the next interval."""
        self._woken.set()

    async def relay_once(self) -> int:
        """Publish the oldest batch of events, all at once, then delete those acknowledged in one
        statement; the others stay for a later round. Returns how many were published."""
        return (await self._relay_batch()).published

    async def backlog(self) -> int:
        """How many events wait in the outbox."""
        async with self._uow_factory() as uow:
            return await uow.outbox.count()

    async def run(self) -> None:
        """Relay until cancelled: at once while a backlog drains or when woken, else every interval;
        after a failed round it waits the interval (a broker that is down is not asked on every wake)."""
        while True:
            self._woken.clear()
            try:
                round_ = await self._relay_batch()
            except DatabaseUnavailable as error:
                logger.warning("outbox relay waiting for the database: %s", error)
                round_ = RelayRound(published=0, failed=1)
            except Exception:
                logger.exception("outbox relay round failed")
                round_ = RelayRound(published=0, failed=1)
            if round_.failed:
                await asyncio.sleep(self._interval_seconds)
            elif round_.published < self._batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), self._interval_seconds)

    async def _relay_batch(self) -> RelayRound:
        async with self._uow_factory() as uow:
            pending = await uow.outbox.oldest(self._batch_size)
        if not pending:
            return RelayRound(published=0, failed=0)
        outcomes = await asyncio.gather(*map(self._publisher.publish, pending), return_exceptions=True)
        published = [message.event_id for message, outcome in zip(pending, outcomes) if outcome is None]
        if published:
            async with self._uow_factory() as uow:
                await uow.outbox.remove_many(published)
                await uow.commit()
            logger.debug("outbox relay published %d event(s)", len(published))
        failures = [(message, outcome) for message, outcome in zip(pending, outcomes) if outcome is not None]
        if failures:
            _log_failures(failures)
        return RelayRound(published=len(published), failed=len(failures))


def _log_failures(failures: list[tuple[OutboxMessage, BaseException | None]]) -> None:
    message, error = failures[0]
    if isinstance(error, PublishFailed):
        logger.info("outbox relay: %d event(s) wait for the broker, first %s: %s", len(failures),
                    message.event_id, error)
        return
    logger.error("outbox relay: %d event(s) not published, first %s", len(failures), message.event_id,
                 exc_info=error)
