"""The file-event stream seen from outside: read it, publish into it, take from auth's consumer."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import nats
from nats.js import JetStreamContext

from fileuploader.events.v1 import file_events_pb2

STREAM = "FILE_EVENTS"
DURABLE = "auth-account-files"
UPLOADED_BATCH = "files.uploaded.batch"
EVENT_TYPES = {"files.uploaded": file_events_pb2.FileUploaded, "files.deleted": file_events_pb2.FileDeleted}


@contextlib.asynccontextmanager
async def _jetstream(stack, user: str = "auth") -> AsyncIterator[JetStreamContext]:
    """As `user` of the stack's NATS: auth reads the stream and its consumer, files alone publishes."""
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials(user))
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


async def _stream_messages(stack) -> list[tuple[str, bytes]]:
    async with _jetstream(stack) as js:
        state = (await js.stream_info(STREAM)).state
        messages = [await js.get_msg(STREAM, seq) for seq in range(state.first_seq, state.last_seq + 1)]
    return [(m.subject, m.data) for m in messages if m.data]


def stream_events(stack) -> list[tuple[str, object]]:
    """(subject, decoded event) of every event in the stream, oldest first: a batch's uploads one by one,
    each under the subject of a single upload."""
    events: list[tuple[str, object]] = []
    for subject, data in asyncio.run(_stream_messages(stack)):
        if subject == UPLOADED_BATCH:
            events += [
                ("files.uploaded", event)
                for event in file_events_pb2.FileUploadedBatch.FromString(data).events
            ]
        else:
            events.append((subject, EVENT_TYPES[subject].FromString(data)))
    return events


def events_for(stack, file_url: str) -> list[str]:
    """The subjects of the stream's messages about one file, oldest first."""
    return [subject for subject, event in stream_events(stack) if event.file_url == file_url]


async def _publish(stack, subject: str, payload: bytes) -> None:
    async with _jetstream(stack, "files") as js:
        await js.publish(subject, payload, stream=STREAM, headers={"Nats-Msg-Id": uuid.uuid4().hex})


def publish_again(stack, subject: str, event: object) -> None:
    """The same event once more under a new Nats-Msg-Id: JetStream's dedupe does not drop it, so the
    consumer sees a true duplicate delivery."""
    asyncio.run(_publish(stack, subject, event.SerializeToString()))


async def _take_without_ack(stack, batch: int) -> int:
    async with _jetstream(stack) as js:
        subscription = await js.pull_subscribe_bind(durable=DURABLE, stream=STREAM)
        try:
            taken = await subscription.fetch(batch, timeout=2)
        except TimeoutError:
            taken = []
        await subscription.unsubscribe()
    return len(taken)


def take_without_ack(stack, batch: int) -> int:
    """Acts as an auth replica that takes up to `batch` events from the shared durable consumer and
    dies before acking any of them; returns how many it took."""
    return asyncio.run(_take_without_ack(stack, batch))


async def _consumer_info(stack):
    async with _jetstream(stack) as js:
        return await js.consumer_info(STREAM, DURABLE)


def ack_pending(stack) -> int:
    """Events delivered to auth's consumer and not acked yet."""
    return asyncio.run(_consumer_info(stack)).num_ack_pending


def consumer_caught_up(stack) -> bool:
    """Auth's consumer has acked every event in the stream."""
    info = asyncio.run(_consumer_info(stack))
    return info.num_pending == 0 and info.num_ack_pending == 0
