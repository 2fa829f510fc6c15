"""The file-events stream and the auth durable consumer: created when missing, never modified."""

import asyncio
import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, StorageType
from nats.js.errors import APIError, NotFoundError

logger = logging.getLogger(__name__)

STREAM_DUPLICATE_WINDOW_SECONDS = 120.0


@dataclass(frozen=True)
class EventStreamConfig:
    stream: str
    subject_prefix: str
    durable: str
    ack_wait_seconds: float = 30.0  # an event taken by a replica that dies unacked is redelivered after this
    replicas: int = 1  # of the stream, when auth creates it

    @property
    def subjects(self) -> str:
        return f"{self.subject_prefix}.>"


async def ensure_stream(js: JetStreamContext, config: EventStreamConfig) -> None:
    try:
        await js.stream_info(config.stream)
        return
    except NotFoundError:
        pass
    try:
        await js.add_stream(
            name=config.stream,
            subjects=[config.subjects],
            storage=StorageType.FILE,
            duplicate_window=STREAM_DUPLICATE_WINDOW_SECONDS,
            num_replicas=config.replicas,
        )
        logger.info("created stream %s for %s (%d replicas)", config.stream, config.subjects, config.replicas)
    except APIError as error:
        if not await _stream_exists(js, config.stream):
            raise
        logger.info("stream %s was created concurrently (%s)", config.stream, error.description)


async def _stream_exists(js: JetStreamContext, stream: str) -> bool:
    try:
        await js.stream_info(stream)
        return True
    except NotFoundError:
        return False


async def ensure_consumer(js: JetStreamContext, config: EventStreamConfig) -> None:
    try:
        await js.consumer_info(config.stream, config.durable)
        return
    except NotFoundError:
        pass
    consumer = ConsumerConfig(
        durable_name=config.durable,
        filter_subject=config.subjects,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=config.ack_wait_seconds,
        deliver_policy=DeliverPolicy.ALL,
    )
    await js.add_consumer(config.stream, consumer)
    logger.info("created durable consumer %s on stream %s", config.durable, config.stream)


@dataclass(frozen=True)
class ConsumerLag:
    pending: int  # events in the stream not yet delivered to the consumer
    ack_pending: int  # delivered, not yet acknowledged


async def consumer_lag(js: JetStreamContext, config: EventStreamConfig) -> ConsumerLag:
    info = await js.consumer_info(config.stream, config.durable)
    return ConsumerLag(pending=info.num_pending or 0, ack_pending=info.num_ack_pending or 0)


async def wait_until_acked(js: JetStreamContext, config: EventStreamConfig, poll_seconds: float) -> None:
    """Returns once the durable consumer has acknowledged every event published before this call.

    The stream's last sequence and the consumer's state are asked for at once, one round trip. The
    consumer's count of pending events can lag a publish by a moment (nats-server tells consumers of
    new messages asynchronously), so at first "nothing outstanding" counts only once the consumer
    has delivered through that sequence; polls, later, also trust it alone (a stream may end with
    events the consumer's filter skips).
    """
    last_sequence, consumer = await asyncio.gather(
        _last_stream_sequence(js, config), _consumer_info(js, config)
    )
    if last_sequence == 0 or (consumer and _delivered_and_acked_through(consumer, last_sequence)):
        return
    while True:
        await asyncio.sleep(poll_seconds)
        consumer = await _consumer_info(js, config)
        if consumer and _acked_through(consumer, last_sequence):
            return


async def _consumer_info(js: JetStreamContext, config: EventStreamConfig) -> ConsumerInfo | None:
    try:
        return await js.consumer_info(config.stream, config.durable)
    except NotFoundError:
        return None


async def _last_stream_sequence(js: JetStreamContext, config: EventStreamConfig) -> int:
    try:
        return (await js.stream_info(config.stream)).state.last_seq
    except NotFoundError:
        return 0


def _delivered_and_acked_through(consumer: ConsumerInfo, sequence: int) -> bool:
    delivered = consumer.delivered.stream_seq if consumer.delivered else 0
    return _ack_floor(consumer) >= sequence or (delivered >= sequence and consumer.num_ack_pending == 0)


def _acked_through(consumer: ConsumerInfo, sequence: int) -> bool:
    return _ack_floor(consumer) >= sequence or _nothing_outstanding(consumer)


def _ack_floor(consumer: ConsumerInfo) -> int:
    return consumer.ack_floor.stream_seq if consumer.ack_floor else 0


def _nothing_outstanding(consumer: ConsumerInfo) -> bool:
    """Every event the consumer's filter takes is delivered and acknowledged (or dropped)."""
    return consumer.num_pending == 0 and consumer.num_ack_pending == 0
