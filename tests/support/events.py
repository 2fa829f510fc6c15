"""The file-event stream seen from outside: read it, publish into it, take from auth's consumer."""
import asyncio
import uuid

import nats
from fileuploader.events.v1 import file_events_pb2

STREAM = "FILE_EVENTS"
DURABLE = "auth-account-files"
EVENT_TYPES = {"files.uploaded": file_events_pb2.FileUploaded, "files.deleted": file_events_pb2.FileDeleted}


async def _stream_messages(nats_url: str) -> list[tuple[str, bytes]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(STREAM)).state
        messages = [await js.get_msg(STREAM, seq) for seq in range(state.first_seq, state.last_seq + 1)]
        return [(m.subject, m.data) for m in messages if m.data]
    finally:
        await nc.close()


def stream_events(nats_url: str) -> list[tuple[str, object]]:
    """(subject, decoded event) of every message in the stream, oldest first."""
    return [(subject, EVENT_TYPES[subject].FromString(data))
            for subject, data in asyncio.run(_stream_messages(nats_url))]


def events_for(nats_url: str, file_url: str) -> list[str]:
    """The subjects of the stream's messages about one file, oldest first."""
    return [subject for subject, event in stream_events(nats_url) if event.file_url == file_url]


async def _publish(nats_url: str, subject: str, payload: bytes) -> None:
    nc = await nats.connect(nats_url)
    try:
        headers = {"Nats-Msg-Id": uuid.uuid4().hex}
        await nc.jetstream().publish(subject, payload, stream=STREAM, headers=headers)
    finally:
        await nc.close()


def publish_again(nats_url: str, subject: str, event: object) -> None:
    """The same event once more under a new Nats-Msg-Id: JetStream's dedupe does not drop it, so the
    consumer sees a true duplicate delivery."""
    asyncio.run(_publish(nats_url, subject, event.SerializeToString()))


async def _take_without_ack(nats_url: str, batch: int) -> int:
    nc = await nats.connect(nats_url)
    try:
        subscription = await nc.jetstream().pull_subscribe_bind(durable=DURABLE, stream=STREAM)
        try:
            taken = await subscription.fetch(batch, timeout=2)
        except TimeoutError:
            taken = []
        await subscription.unsubscribe()
        return len(taken)
    finally:
        await nc.close()


def take_without_ack(nats_url: str, batch: int) -> int:
    """Acts as an auth replica that takes up to `batch` events from the shared durable consumer and
    dies before acking any of them; returns how many it took."""
    return asyncio.run(_take_without_ack(nats_url, batch))


async def _ack_pending(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return (await nc.jetstream().consumer_info(STREAM, DURABLE)).num_ack_pending
    finally:
        await nc.close()


def ack_pending(nats_url: str) -> int:
    """Events delivered to auth's consumer and not acked yet."""
    return asyncio.run(_ack_pending(nats_url))


async def _caught_up(nats_url: str) -> bool:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().consumer_info(STREAM, DURABLE)
        return info.num_pending == 0 and info.num_ack_pending == 0
    finally:
        await nc.close()


def consumer_caught_up(nats_url: str) -> bool:
    """Auth's consumer has acked every event in the stream."""
    return asyncio.run(_caught_up(nats_url))
