"""The inbound transport of the files service's events: takes them from JetStream and applies them
through an injected handler.

One durable pull consumer is shared by every auth replica. The loop survives NATS outages:
the connection reconnects forever, and any failure re-creates the subscription after a backoff.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from auth_service.adapters.jetstream import (
    ConsumerLag,
    EventStreamConfig,
    consumer_lag,
    ensure_consumer,
    wait_until_acked,
)
from auth_service.backoff import Backoff
from auth_service.domain.errors import UnprocessableEvent
from auth_service.shared_looks import LookCancelled, SharedLooks
from fileuploader_runtime.nats.connection import NatsConnection
from fileuploader_runtime.nats.event_stream import ensure_stream
from fileuploader_runtime.task_stopping import cancel_and_wait

logger = logging.getLogger(__name__)

EventHandler = Callable[[str, bytes], Awaitable[None]]

CATCH_UP_POLL_SECONDS = 0.01


class NatsFileEventConsumer:
    def __init__(
        self,
        *,
        connection: NatsConnection,
        config: EventStreamConfig,
        handler: EventHandler,
        redelivery_delay: float = 5.0,
        fetch_wait: float = 1.0,
        drain_batch: int = 100,
        drain_wait: float = 0.02,
    ) -> None:
        """Starts and closes `connection` (made for `config.stream`) with itself."""
        self._connection = connection
        self._config = config
        self._handler = handler
        self._redelivery_delay = redelivery_delay
        self._fetch_wait = fetch_wait
        self._drain_batch = drain_batch
        self._drain_wait = drain_wait
        self._js: JetStreamContext | None = None
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._catch_up = SharedLooks(self._look_at_progress)

    @property
    def is_consuming(self) -> bool:
        return self._subscription is not None and self._connection.is_connected

    def start(self) -> None:
        self._connection.start()
        self._task = asyncio.create_task(self._run(), name="file-event-consumer")

    async def stop(self) -> None:
        """Stops applying events; the connection stays open for catch-up checks until close()."""
        self._stopping = True
        if self._task is not None:
            await cancel_and_wait([self._task])
            self._task = None
        await self._unsubscribe()

    async def close(self) -> None:
        await self.stop()
        await self._connection.close()

    async def wait_until_caught_up(self, timeout: float) -> None:
        """Concurrent callers share their looks at JetStream (see SharedLooks)."""
        if self._stopping or self._js is None or not self._connection.is_connected:
            logger.debug("not consuming file events: the file list may lag behind them")
            return
        try:
            await self._catch_up.wait(timeout)
        except (TimeoutError, LookCancelled, nats.errors.Error) as error:
            logger.debug("file events not caught up (%r): the file list may lag behind", error)

    async def _look_at_progress(self) -> None:
        if self._js is None:
            raise RuntimeError("catch-up look before connecting")
        await wait_until_acked(self._js, self._config, CATCH_UP_POLL_SECONDS)

    async def lag(self) -> ConsumerLag | None:
        """How far the durable consumer is behind the stream; None while NATS cannot tell."""
        if self._js is None or not self._connection.is_connected:
            return None
        try:
            return await consumer_lag(self._js, self._config)
        except (TimeoutError, nats.errors.Error) as error:
            logger.debug("could not read the consumer's lag: %r", error)
            return None

    async def _run(self) -> None:
        js = self._js = await self._connection.wait_ready()
        backoff = Backoff()
        while not self._stopping:
            try:
                await self._subscribe(js)
                backoff.reset()
                await self._consume()
            except Exception:
                delay = backoff.next_delay()
                logger.warning("file event consumer failed, retrying in %.1fs", delay, exc_info=True)
                await self._unsubscribe()
                await asyncio.sleep(delay)

    async def _subscribe(self, js: JetStreamContext) -> None:
        await ensure_stream(js, self._config.stream)
        await ensure_consumer(js, self._config)
        self._subscription = await js.pull_subscribe_bind(
            durable=self._config.durable, stream=self._config.stream_name
        )
        logger.info("consuming %s from stream %s", self._config.subject_filter, self._config.stream_name)

    async def _consume(self) -> None:
        while not self._stopping:
            batch = await self._fetch(1, self._fetch_wait)
            while batch:
                for message in batch:
                    await self._process(message)
                batch = await self._fetch(self._drain_batch, self._drain_wait)

    async def _fetch(self, batch: int, wait: float) -> list[Msg]:
        if self._subscription is None:
            raise RuntimeError("fetch before subscribe")
        try:
            return await self._subscription.fetch(batch, timeout=wait)
        except TimeoutError:
            return []

    async def _process(self, message: Msg) -> None:
        sequence = message.metadata.sequence.stream
        try:
            await self._handler(message.subject, message.data)
        except UnprocessableEvent as error:
            logger.error("dropping file event #%d on %s: %s", sequence, message.subject, error)
            await message.term()
            return
        except Exception:
            logger.exception(
                "could not apply file event #%d on %s, redelivering later", sequence, message.subject
            )
            await message.nak(delay=self._redelivery_delay)
            return
        await message.ack()

    async def _unsubscribe(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is None:
            return
        try:
            await subscription.unsubscribe()
        except nats.errors.Error as error:
            logger.debug("unsubscribing failed: %r", error)
