"""Auth's durable consumer of the file-events stream: created when missing, never modified; how far it
is behind. (The stream itself is fileuploader_runtime.nats.event_stream's.)"""

import asyncio
import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError

from fileuploader_runtime.nats.event_stream import EventStream

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventStreamConfig:
    """The event stream and auth's durable consumer of it."""

    stream: EventStream
    durable: str
    ack_wait_seconds: float = 30.0  # an event taken by a replica that dies unacked is redelivered after this

    @property
    def stream_name(self) -> str:
        return self.stream.name

    @property
    def subject_filter(self) -> str:
        (subjects,) = self.stream.subjects
        return subjects


async def ensure_consumer(js: JetStreamContext, config: EventStreamConfig) -> None:
    try:
        await js.consumer_info(config.stream_name, config.durable)
        return
    except NotFoundError:
        pass
    consumer = ConsumerConfig(
        durable_name=config.durable,
        filter_subject=config.subject_filter,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=config.ack_wait_seconds,
        deliver_policy=DeliverPolicy.ALL,
    )
    await js.add_consumer(config.stream_name, consumer)
    logger.info("created durable consumer %s on stream %s", config.durable, config.stream_name)


@dataclass(frozen=True)
class ConsumerLag:
    pending: int  # events in the stream not yet delivered to the consumer
    ack_pending: int  # delivered, not yet acknowledged


async def consumer_lag(js: JetStreamContext, config: EventStreamConfig) -> ConsumerLag:
    info = await js.consumer_info(config.stream_name, config.durable)
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
        return await js.consumer_info(config.stream_name, config.durable)
    except NotFoundError:
        return None


async def _last_stream_sequence(js: JetStreamContext, config: EventStreamConfig) -> int:
    try:
        return (await js.stream_info(config.stream_name)).state.last_seq
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
