"""NatsEventPublisher: JetStream publish of outbox messages, deduplicated by Nats-Msg-Id."""

import logging

import nats.errors
from prometheus_client import Counter

from files_service.domain.ports import OutboxMessage, PublishFailed
from fileuploader_runtime.nats.connection import NatsConnection

logger = logging.getLogger(__name__)


class NatsEventPublisher:
    """`published` counts the events JetStream acknowledged, `failures` the publishes that failed."""

    def __init__(
        self,
        connection: NatsConnection,
        stream_name: str,
        timeout_seconds: float,
        *,
        published: Counter,
        failures: Counter,
    ) -> None:
        self._connection = connection
        self._stream_name = stream_name
        self._timeout_seconds = timeout_seconds
        self._published = published
        self._failures = failures

    async def publish(self, message: OutboxMessage) -> None:
        try:
            await self._publish(message)
        except PublishFailed:
            self._failures.inc()
            raise
        self._published.inc()

    async def _publish(self, message: OutboxMessage) -> None:
        jetstream = self._connection.jetstream
        if jetstream is None:
            raise PublishFailed("not connected to NATS")
        try:
            ack = await jetstream.publish(
                message.subject,
                message.payload,
                timeout=self._timeout_seconds,
                stream=self._stream_name,
                headers={"Nats-Msg-Id": message.event_id},
            )
        except (TimeoutError, nats.errors.Error, OSError) as error:
            raise PublishFailed(f"{type(error).__name__}: {error}") from error
        if ack.duplicate:
            logger.debug("event %s was already in stream %s", message.event_id, ack.stream)
