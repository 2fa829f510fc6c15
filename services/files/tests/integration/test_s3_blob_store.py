"""S3BlobStore against a real S3-compatible server (SeaweedFS on loopback), a fresh bucket per test."""

import asyncio
import hashlib
import os
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from files_service.adapters import s3_multipart
from files_service.domain.ports import BlobNotFound
from files_service.temp_cleanup import remove_stale_temp

from .conftest import MIB, S3_PART_SIZE

pytestmark = pytest.mark.integration

KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
BIG = os.urandom(2 * S3_PART_SIZE + 12345)


@pytest.fixture
async def store(make_s3_store):
    return await make_s3_store()


async def chunks_of(data: bytes, size: int = 256 * 1024):
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def stalled_after(data: bytes, proceed: asyncio.Event | None = None):
    """`data`, then waits (for ever unless `proceed` is set), then b"end"."""
    async for chunk in chunks_of(data):
        yield chunk
    await (proceed or asyncio.Event()).wait()
    yield b"end"


async def read_all(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def until(condition, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def nothing_stored(seaweedfs, bucket) -> bool:
    return seaweedfs.objects(bucket) == {} and seaweedfs.incomplete_uploads(bucket) == []


async def test_put_of_less_than_a_part_is_one_object(store, seaweedfs, s3_bucket):
    await store.put(KEY, chunks_of(b"hello world", size=3))

    assert seaweedfs.objects(s3_bucket) == {KEY: 11}
    assert await read_all(store.open_range(KEY, 0, 11)) == b"hello world"


@pytest.mark.parametrize("size", [0, S3_PART_SIZE, len(BIG)])
async def test_put_stores_every_byte_whatever_the_number_of_parts(store, seaweedfs, s3_bucket, size):
    await store.put(KEY, chunks_of(BIG[:size]))

    stored = await read_all(store.open_range(KEY, 0, size)) if size else b""
    assert hashlib.sha256(stored).digest() == hashlib.sha256(BIG[:size]).digest()
    assert seaweedfs.objects(s3_bucket) == {KEY: size} and seaweedfs.incomplete_uploads(s3_bucket) == []


async def test_put_failing_after_a_part_leaves_no_object_and_no_incomplete_upload(
    store, seaweedfs, s3_bucket
):
    async def failing():
        async for chunk in chunks_of(BIG):
            yield chunk
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        await store.put(KEY, failing())

    assert nothing_stored(seaweedfs, s3_bucket)


async def test_put_cancelled_after_a_part_leaves_no_object_and_no_incomplete_upload(
    store, seaweedfs, s3_bucket
):
    put = asyncio.create_task(store.put(KEY, stalled_after(BIG)))
    await until(lambda: seaweedfs.incomplete_uploads(s3_bucket))

    put.cancel()
    with pytest.raises(asyncio.CancelledError):
        await put

    assert nothing_stored(seaweedfs, s3_bucket)


async def test_put_cancelled_again_while_aborting_still_aborts(store, seaweedfs, s3_bucket, monkeypatch):
    aborting = asyncio.Event()
    abort = s3_multipart.MultipartUpload.abort

    async def slow_abort(upload):
        aborting.set()
        await asyncio.sleep(0.2)
        await abort(upload)

    monkeypatch.setattr(s3_multipart.MultipartUpload, "abort", slow_abort)
    put = asyncio.create_task(store.put(KEY, stalled_after(BIG)))
    await until(lambda: seaweedfs.incomplete_uploads(s3_bucket))
    put.cancel()
    await aborting.wait()
    put.cancel()
    with pytest.raises(asyncio.CancelledError):
        await put

    await store.wait_for_aborts()
    assert nothing_stored(seaweedfs, s3_bucket)


async def test_put_cancelled_while_a_part_is_sent_lets_it_land_then_aborts(
    store, seaweedfs, s3_bucket, monkeypatch
):
    """S3 may store a part whose request was under way after the abort, bringing the upload back."""
    events: list[str] = []
    sending = asyncio.Event()
    upload_part, abort = s3_multipart.MultipartUpload._upload_part, s3_multipart.MultipartUpload.abort

    async def slow_upload_part(upload, number, data):
        sending.set()
        await asyncio.sleep(0.3)
        reply = await upload_part(upload, number, data)
        events.append(f"part {number}")
        return reply

    async def recorded_abort(upload):
        await abort(upload)
        events.append("aborted")

    monkeypatch.setattr(s3_multipart.MultipartUpload, "_upload_part", slow_upload_part)
    monkeypatch.setattr(s3_multipart.MultipartUpload, "abort", recorded_abort)
    put = asyncio.create_task(store.put(KEY, stalled_after(BIG)))
    await sending.wait()
    put.cancel()
    with pytest.raises(asyncio.CancelledError):
        await put

    await store.wait_for_aborts()
    assert events == ["part 1", "aborted"]
    assert nothing_stored(seaweedfs, s3_bucket)


async def test_put_cancelled_while_its_upload_begins_aborts_the_upload(
    store, seaweedfs, s3_bucket, monkeypatch
):
    beginning = asyncio.Event()
    begun: list[str] = []
    begin = s3_multipart.MultipartUpload.begin.__func__

    async def slow_begin(cls, client, bucket, key):
        beginning.set()
        await asyncio.sleep(0.3)
        upload = await begin(cls, client, bucket, key)
        begun.append(upload.upload_id)
        return upload

    monkeypatch.setattr(s3_multipart.MultipartUpload, "begin", classmethod(slow_begin))
    put = asyncio.create_task(store.put(KEY, stalled_after(BIG)))
    await beginning.wait()
    put.cancel()
    with pytest.raises(asyncio.CancelledError):
        await put

    await store.wait_for_aborts()
    assert len(begun) == 1 and nothing_stored(seaweedfs, s3_bucket)


@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, len(BIG)), (7, 100), (S3_PART_SIZE - 10, 20), (2 * S3_PART_SIZE, 12345), (len(BIG) - 1, 1)],
)
async def test_open_range_reads_the_requested_bytes_in_whole_chunks(store, offset, length):
    await store.put(KEY, chunks_of(BIG))

    chunks = [chunk async for chunk in store.open_range(KEY, offset, length)]

    assert b"".join(chunks) == BIG[offset : offset + length]
    assert all(len(chunk) == 16 * 1024 for chunk in chunks[:-1]) and len(chunks[-1]) <= 16 * 1024


async def test_open_range_of_an_unknown_key_raises_blob_not_found(store):
    with pytest.raises(BlobNotFound):
        await read_all(store.open_range(KEY, 0, 1))
    with pytest.raises(BlobNotFound):
        await read_all(store.open_range(KEY, 0, 0))


async def test_open_range_past_the_stored_bytes_raises_eof(store):
    await store.put(KEY, chunks_of(b"short"))

    with pytest.raises(EOFError):
        await read_all(store.open_range(KEY, 2, 10))
    with pytest.raises(EOFError):
        await read_all(store.open_range(KEY, 9, 1))


async def test_delete_removes_the_blob_and_tolerates_a_missing_one(store, seaweedfs, s3_bucket):
    await store.put(KEY, chunks_of(b"x"))

    await store.delete(KEY)
    await store.delete(KEY)

    assert seaweedfs.objects(s3_bucket) == {}


async def test_iter_blobs_lists_blob_keys_in_order_with_size_and_time_and_skips_other_objects(
    store, seaweedfs, s3_bucket
):
    keys = ["ff" + "0" * 30, "0a" + "1" * 30, "0a0" + "2" * 29, OTHER_KEY, KEY]
    before = datetime.now(UTC) - timedelta(seconds=2)
    for number, key in enumerate(keys):
        await store.put(key, chunks_of(b"x" * number))
    seaweedfs.put_object(s3_bucket, "not-a-blob.txt", b"someone else's")

    blobs = [blob async for blob in store.iter_blobs()]

    assert [blob.name for blob in blobs] == sorted(keys)
    assert {blob.name: blob.size for blob in blobs} == {key: number for number, key in enumerate(keys)}
    assert all(before <= blob.modified_at <= datetime.now(UTC) + timedelta(seconds=2) for blob in blobs)
    assert [key async for key in store.iter_keys()] == sorted(keys)


async def test_stat_describes_a_blob_and_is_none_for_an_unknown_key(store):
    await store.put(KEY, chunks_of(b"hello"))

    blob = await store.stat(KEY)

    assert (blob.name, blob.size) == (KEY, 5) and blob.modified_at.tzinfo is not None
    assert await store.stat(OTHER_KEY) is None


async def test_iter_temp_and_delete_temp_see_and_abort_incomplete_uploads(store, seaweedfs, s3_bucket):
    upload_id = seaweedfs.begin_upload(s3_bucket, KEY, b"p" * 1000)

    [entry] = [entry async for entry in store.iter_temp()]
    await store.delete_temp(entry.name)
    await store.delete_temp(entry.name)

    assert (entry.name, entry.size) == (f"{KEY}/{upload_id}", 1000)
    assert abs(entry.modified_at - datetime.now(UTC)) < timedelta(seconds=30)
    assert seaweedfs.incomplete_uploads(s3_bucket) == []


@pytest.mark.parametrize("name", [KEY, f"../{KEY}/id", f"{KEY}/", "x/y"])
async def test_delete_temp_refuses_what_is_not_an_incomplete_uploads_name(store, name):
    with pytest.raises(ValueError):
        await store.delete_temp(name)


async def test_stale_temp_cleanup_keeps_an_upload_in_flight_and_removes_an_old_one(
    store, seaweedfs, s3_bucket
):
    proceed = asyncio.Event()
    put = asyncio.create_task(store.put(KEY, stalled_after(BIG, proceed)))
    await until(lambda: seaweedfs.incomplete_uploads(s3_bucket))
    seaweedfs.begin_upload(s3_bucket, OTHER_KEY, b"crashed")

    kept = await remove_stale_temp(store, written_before=datetime.now(UTC) - timedelta(hours=1))
    removed = await remove_stale_temp(store, written_before=datetime.now(UTC) + timedelta(minutes=1))
    proceed.set()

    assert (kept, removed) == (0, 2)
    with pytest.raises(Exception, match="NoSuchUpload"):
        await put
    assert nothing_stored(seaweedfs, s3_bucket)


async def test_put_keeps_about_a_part_in_memory(make_s3_store, seaweedfs, s3_bucket):
    """64 MiB in 8 MiB parts: Python allocations stay under three parts (tracemalloc's peak)."""
    store = await make_s3_store(part_size=8 * MIB)
    block = os.urandom(64 * 1024)

    async def blocks():
        for _ in range(64 * MIB // len(block)):
            yield block

    tracemalloc.start()
    try:
        await store.put(KEY, blocks())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seaweedfs.objects(s3_bucket) == {KEY: 64 * MIB}
    assert peak < 3 * 8 * MIB, f"peak {peak / MIB:.1f} MiB"
