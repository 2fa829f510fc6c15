from types import SimpleNamespace

from auth_service.adapters.jetstream import EventStreamConfig, wait_until_acked
from fileuploader_runtime.nats.event_stream import EventStream

CONFIG = EventStreamConfig(EventStream("FILE_EVENTS", "files"), "auth-account-files")


def consumer_state(delivered: int, ack_floor: int, pending: int = 0, ack_pending: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        delivered=SimpleNamespace(stream_seq=delivered),
        ack_floor=SimpleNamespace(stream_seq=ack_floor),
        num_pending=pending,
        num_ack_pending=ack_pending,
    )


class FakeJetStream:
    """Answers stream info with `last_sequence` and consumer info with `consumer_states` in turn."""

    def __init__(self, last_sequence: int, consumer_states: list[SimpleNamespace]) -> None:
        self._last_sequence = last_sequence
        self._consumer_states = consumer_states
        self.requests: list[str] = []

    async def stream_info(self, stream: str) -> SimpleNamespace:
        self.requests.append("stream_info")
        return SimpleNamespace(state=SimpleNamespace(last_seq=self._last_sequence))

    async def consumer_info(self, stream: str, durable: str) -> SimpleNamespace:
        self.requests.append("consumer_info")
        return self._consumer_states.pop(0)


async def test_a_consumer_acked_through_the_stream_takes_one_round_trip() -> None:
    js = FakeJetStream(7, [consumer_state(delivered=7, ack_floor=7)])

    await wait_until_acked(js, CONFIG, poll_seconds=0)  # type: ignore[arg-type]

    assert sorted(js.requests) == ["consumer_info", "stream_info"]


async def test_nothing_pending_just_after_a_publish_is_not_believed_until_delivered() -> None:
    """nats-server counts a new message as pending for the consumer a moment after acking its publish."""
    js = FakeJetStream(
        8,
        [
            consumer_state(delivered=7, ack_floor=7),  # the count of pending has not caught up yet
            consumer_state(delivered=8, ack_floor=7, ack_pending=1),
            consumer_state(delivered=8, ack_floor=8),
        ],
    )

    await wait_until_acked(js, CONFIG, poll_seconds=0)  # type: ignore[arg-type]

    assert js.requests.count("consumer_info") == 3


async def test_a_polled_consumer_with_nothing_outstanding_is_caught_up_though_it_skips_the_last() -> None:
    js = FakeJetStream(
        9, [consumer_state(delivered=3, ack_floor=2, pending=1), consumer_state(delivered=5, ack_floor=5)]
    )

    await wait_until_acked(js, CONFIG, poll_seconds=0)  # type: ignore[arg-type]

    assert js.requests.count("consumer_info") == 2


async def test_an_empty_stream_needs_no_poll() -> None:
    js = FakeJetStream(0, [consumer_state(delivered=0, ack_floor=0)])

    await wait_until_acked(js, CONFIG, poll_seconds=0)  # type: ignore[arg-type]

    assert js.requests.count("consumer_info") == 1
