import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from files_service.domain.model import UploadRequest
from files_service.domain.ports import OutboxMessage, PublishFailed
from files_service.group_commit import GroupCommit
from files_service.relay import OutboxRelay
from files_service.service import FilesService

from .conftest import FakeUnitOfWork


def message(number: int) -> OutboxMessage:
    return OutboxMessage(event_id=f"event-{number}", subject="files.uploaded", payload=b"%d" % number)


async def test_relay_once_publishes_oldest_first_and_deletes_each_row(relay, database, publisher):
    database.outbox = [message(1), message(2)]

    published = await relay.relay_once()

    assert published == 2
    assert [m.event_id for m in publisher.published] == ["event-1", "event-2"]
    assert database.outbox == []


async def test_relay_once_keeps_everything_while_the_broker_is_down(relay, database, publisher):
    database.outbox = [message(1), message(2)]
    publisher.failing = True

    assert await relay.relay_once() == 0
    assert [m.event_id for m in database.outbox] == ["event-1", "event-2"]


async def test_relay_once_handles_one_batch_and_leaves_the_rest(relay, database, publisher):
    database.outbox = [message(1), message(2), message(3)]

    await relay.relay_once()

    assert [m.event_id for m in database.outbox] == ["event-3"]


async def test_relay_publishes_the_fallback_events_once_the_broker_is_back(
    service, relay, database, publisher, make_chunks
):
    publisher.failing = True
    stored = await service.upload_file(UploadRequest("a.txt", False, ""), make_chunks(b"x"))
    publisher.failing = False

    await relay.relay_once()

    assert [m.subject for m in publisher.published] == ["files.uploaded"]
    assert stored.file_url in publisher.published[0].payload.decode() and database.outbox == []


async def test_relay_run_keeps_going_after_a_failed_round(relay, database, publisher):
    database.reachable = False
    database.outbox = [message(1)]
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)
        assert publisher.published == []
        database.reachable = True
        async with asyncio.timeout(2):
            while database.outbox:
                await asyncio.sleep(0.01)
    finally:
        running.cancel()

    assert [m.event_id for m in publisher.published] == ["event-1"]


async def test_backlog_counts_every_event_waiting_beyond_one_batch(relay, database, publisher):
    database.outbox = [message(1), message(2), message(3)]
    publisher.failing = True

    await relay.relay_once()

    assert await relay.backlog() == 3


async def test_relay_publishes_an_upload_at_once_when_woken_not_at_the_next_interval(
    database, publisher, blob_store, file_urls, fixed_now, make_chunks
):
    relay = OutboxRelay(lambda: FakeUnitOfWork(database), publisher, interval_seconds=60)
    service = FilesService(lambda: FakeUnitOfWork(database), blob_store, 1000, relay=relay)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.05)  # the first round found nothing and waits
        stored = await service.upload_file(UploadRequest("a.txt", False, "acc-1"), make_chunks(b"x"))
        async with asyncio.timeout(2):
            while not publisher.published:
                await asyncio.sleep(0.01)
    finally:
        running.cancel()

    assert stored.file_url in publisher.published[0].payload.decode()


async def test_relay_hands_a_round_to_the_publisher_at_once_and_deletes_it_in_one_statement(database):
    rounds: list[list[str]] = []

    class RoundRecordingPublisher:
        async def publish_all(self, messages: Sequence[OutboxMessage]) -> list[BaseException | None]:
            rounds.append([m.event_id for m in messages])
            return [None] * len(messages)

    database.outbox = [message(1), message(2), message(3)]
    relay = OutboxRelay(lambda: FakeUnitOfWork(database), RoundRecordingPublisher(), interval_seconds=60)

    assert await relay.relay_once() == 3
    assert rounds == [["event-1", "event-2", "event-3"]]
    assert database.outbox == [] and database.commits == 1


async def test_relay_deletes_only_the_events_the_broker_acknowledged(database):
    class HalfAcknowledging:
        async def publish_all(self, messages: Sequence[OutboxMessage]) -> list[BaseException | None]:
            return [None if int(m.payload) % 2 else PublishFailed("no ack") for m in messages]

    database.outbox = [message(1), message(2), message(3)]
    relay = OutboxRelay(lambda: FakeUnitOfWork(database), HalfAcknowledging(), interval_seconds=60)

    assert await relay.relay_once() == 2
    assert [m.event_id for m in database.outbox] == ["event-2"]


async def test_published_events_are_deleted_by_the_writer_the_uploads_share_never_beside_it(
    database, publisher
):
    writes = GroupCommit(lambda: FakeUnitOfWork(database))
    relay = OutboxRelay(lambda: FakeUnitOfWork(database), publisher, interval_seconds=60, writes=writes)
    database.outbox = [message(1)]
    release = asyncio.Event()

    async def upload_being_recorded(uow) -> None:
        await release.wait()

    recording = asyncio.create_task(writes.run(upload_being_recorded))
    await asyncio.sleep(0.01)
    relaying = asyncio.create_task(relay.relay_once())
    await asyncio.sleep(0.05)

    assert [m.event_id for m in publisher.published] == ["event-1"]
    assert not relaying.done() and database.outbox == [message(1)], "a second writer beside the first"
    release.set()
    await recording
    assert await relaying == 1 and database.outbox == []


async def _published_within(publisher, count: int, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            while len(publisher.published) < count:
                await asyncio.sleep(0.005)
    except TimeoutError:
        return False
    return True


@contextlib.asynccontextmanager
async def relay_past_its_first_round(database, publisher, pace_seconds: float) -> AsyncIterator[OutboxRelay]:
    """A running relay with a pace, which has just published event-1 in a round of its own."""
    relay = OutboxRelay(
        lambda: FakeUnitOfWork(database), publisher, interval_seconds=60, pace_seconds=pace_seconds
    )
    database.outbox = [message(1)]
    running = asyncio.create_task(relay.run())
    try:
        assert await _published_within(publisher, 1, 2)
        yield relay
    finally:
        running.cancel()


async def test_under_load_a_round_after_one_that_published_waits_for_the_pace(database, publisher):
    async with relay_past_its_first_round(database, publisher, pace_seconds=0.4) as relay:
        database.outbox.append(message(2))
        relay.wake()
        assert not await _published_within(publisher, 2, 0.2), "published before the pace"
        assert await _published_within(publisher, 2, 2)
    assert [m.event_id for m in publisher.published] == ["event-1", "event-2"]


async def test_a_caller_waiting_for_its_event_ends_the_pace(database, publisher):
    async with relay_past_its_first_round(database, publisher, pace_seconds=30) as relay:
        await asyncio.sleep(0.05)  # the relay pauses for the pace
        database.outbox.append(message(2))
        relay.wake()
        assert await relay.published("event-2", 1) is True


async def test_a_round_after_a_quiet_spell_goes_at_once(database, publisher):
    async with relay_past_its_first_round(database, publisher, pace_seconds=0.2) as relay:
        await asyncio.sleep(0.3)  # longer than the pace: the relay waits for a wake
        database.outbox.append(message(2))
        relay.wake()
        assert await _published_within(publisher, 2, 0.1)
