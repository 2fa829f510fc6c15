"""NatsEventPublisher: JetStream publish of outbox messages, deduplicated by Nats-Msg-Id.

Consecutive upload events go together as one FileUploadedBatch: with the stream fsyncing every
write (sync_interval: always), each JetStream message costs nats-server a disk sync and the
consumer a delivery and an ack, so a round of uploads costs one of each rather than one per upload."""

import asyncio
import hashlib
import logging
from collections.abc import Iterator, Sequence

import nats.errors
from prometheus_client import Counter

from files_service.adapters.event_codec import encode_uploaded_batch
from files_service.domain.events import FileUploaded
from files_service.domain.ports import OutboxMessage, PublishFailed
from fileuploader_runtime.nats.connection import NatsConnection

logger = logging.getLogger(__name__)

MAX_EVENTS_PER_BATCH = 100
# Well under NATS's default max_payload (1 MiB) whatever the events' file names.
MAX_BATCH_BYTES = 256 * 1024


class NatsEventPublisher:
    """`published` counts the events JetStream acknowledged, `failures` the events whose publish failed."""

    def __init__(
        self,
        connection: NatsConnection,
        stream_name: str,
        timeout_seconds: float,
        *,
        published: Counter,
        failures: Counter,
        subject_prefix: str,
    ) -> None:
        self._connection = connection
        self._stream_name = stream_name
        self._timeout_seconds = timeout_seconds
        self._published = published
        self._failures = failures
        self._uploaded_subject = f"{subject_prefix}.{FileUploaded.topic}"
        self._batch_subject = uploaded_batch_subject(subject_prefix)

    async def publish(self, message: OutboxMessage) -> None:
        """One event in a message of its own; raises PublishFailed."""
        await self._send(message.subject, message.payload, message.event_id, events=1)

    async def publish_all(self, messages: Sequence[OutboxMessage]) -> list[BaseException | None]:
        """Each message's outcome, in order: None once JetStream acknowledged it, else the error. The
        JetStream messages (batches and single events) are sent at once, their acks awaited together."""
        groups = list(self._groups(messages))
        outcomes = await asyncio.gather(*map(self._publish_group, groups), return_exceptions=True)
        return [outcome for group, outcome in zip(groups, outcomes, strict=True) for _ in group]

    def _groups(self, messages: Sequence[OutboxMessage]) -> Iterator[list[OutboxMessage]]:
        """Runs of consecutive upload events (bounded in count and bytes); any other event alone."""
        run: list[OutboxMessage] = []
        run_bytes = 0
        for message in messages:
            joins = message.subject == self._uploaded_subject
            if run and (
                not joins
                or len(run) == MAX_EVENTS_PER_BATCH
                or run_bytes + len(message.payload) > MAX_BATCH_BYTES
            ):
                yield run
                run, run_bytes = [], 0
            if joins:
                run.append(message)
                run_bytes += len(message.payload)
            else:
                yield [message]
        if run:
            yield run

    async def _publish_group(self, group: list[OutboxMessage]) -> None:
        if len(group) == 1:
            await self.publish(group[0])
            return
        payload = encode_uploaded_batch([message.payload for message in group])
        event_ids = [message.event_id for message in group]
        await self._send(self._batch_subject, payload, batch_message_id(event_ids), events=len(group))

    async def _send(self, subject: str, payload: bytes, message_id: str, events: int) -> None:
        try:
            await self._publish(subject, payload, message_id)
        except PublishFailed:
            self._failures.inc(events)
            raise
        self._published.inc(events)

    async def _publish(self, subject: str, payload: bytes, message_id: str) -> None:
        jetstream = self._connection.jetstream
        if jetstream is None:
            raise PublishFailed("not connected to NATS")
        try:
            ack = await jetstream.publish(
                subject,
                payload,
                timeout=self._timeout_seconds,
                stream=self._stream_name,
                headers={"Nats-Msg-Id": message_id},
            )
        except (TimeoutError, nats.errors.Error, OSError) as error:
            raise PublishFailed(f"{type(error).__name__}: {error}") from error
        if ack.duplicate:
            logger.debug("message %s was already in stream %s", message_id, ack.stream)


def uploaded_batch_subject(subject_prefix: str) -> str:
    return f"{subject_prefix}.{FileUploaded.topic}.batch"


def batch_message_id(event_ids: Sequence[str]) -> str:
    """The same events, in the same order, always make the same id: a batch published again (its ack was
    lost) is dropped as a duplicate; any other set of events is a new message."""
    digest = hashlib.sha256("".join(f"{event_id}\n" for event_id in event_ids).encode()).hexdigest()
    return f"batch-{digest}"
