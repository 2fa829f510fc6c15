import asyncio
import errno
import os
import pathlib
import shutil
import stat
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from files_service.adapters import local_disk_blob_store
from files_service.adapters.local_disk_blob_store import LocalDiskBlobStore
from files_service.domain.errors import StorageFull
from files_service.domain.ports import BlobNotFound
from files_service.temp_cleanup import remove_stale_temp

pytestmark = pytest.mark.integration

KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"


@pytest.fixture
async def store(tmp_path) -> LocalDiskBlobStore:
    blob_store = LocalDiskBlobStore(tmp_path / "blobs", read_chunk_size=4, write_size=8)
    await blob_store.prepare()
    return blob_store


def temp_files(tmp_path) -> list[str]:
    return os.listdir(tmp_path / "blobs" / ".tmp")


async def read_all(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_put_places_the_blob_under_its_sharded_key(store, tmp_path, make_chunks):
    await store.put(KEY, make_chunks(b"hello ", b"wor", b"ld"))

    path = tmp_path / "blobs" / "01" / "23" / KEY
    assert path.read_bytes() == b"hello world"
    assert temp_files(tmp_path) == []


async def test_the_store_and_its_shard_directories_are_for_its_own_user_only(store, tmp_path, make_chunks):
    await store.put(KEY, make_chunks(b"private"))

    directories = [
        tmp_path / "blobs",
        tmp_path / "blobs" / ".tmp",
        tmp_path / "blobs" / "01",
        tmp_path / "blobs" / "01" / "23",
    ]
    assert [stat.S_IMODE(path.stat().st_mode) for path in directories] == [0o700] * 4
    assert stat.S_IMODE((tmp_path / "blobs" / "01" / "23" / KEY).stat().st_mode) == 0o600


async def test_put_is_invisible_until_complete(store, tmp_path):
    halfway = asyncio.Event()
    finish = asyncio.Event()

    async def chunks():
        yield b"a" * 20
        yield b"c" * 20  # the block before it is written while this one waits to be the last
        halfway.set()
        await finish.wait()
        yield b"b"

    put = asyncio.create_task(store.put(KEY, chunks()))
    await halfway.wait()
    await asyncio.sleep(0.05)
    assert [key async for key in store.iter_keys()] == []
    assert len(temp_files(tmp_path)) == 1
    finish.set()
    await put

    assert [key async for key in store.iter_keys()] == [KEY]


async def test_put_failing_midway_leaves_nothing(store, tmp_path):
    async def chunks():
        yield b"a" * 20
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        await store.put(KEY, chunks())

    assert temp_files(tmp_path) == [] and [key async for key in store.iter_keys()] == []


async def test_put_cancelled_midway_leaves_nothing(store, tmp_path):
    halfway = asyncio.Event()

    async def chunks():
        yield b"a" * 20
        halfway.set()
        await asyncio.Event().wait()
        yield b"never"

    put = asyncio.create_task(store.put(KEY, chunks()))
    await halfway.wait()
    await asyncio.sleep(0.05)
    put.cancel()
    with pytest.raises(asyncio.CancelledError):
        await put

    assert temp_files(tmp_path) == [] and [key async for key in store.iter_keys()] == []


async def test_put_on_a_full_disk_raises_storage_full_and_leaves_nothing(store, tmp_path, monkeypatch):
    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local_disk_blob_store, "_write_all", disk_full)

    with pytest.raises(StorageFull):
        await store.put(KEY, _repeat(b"x" * 8, 3))

    assert temp_files(tmp_path) == [] and [key async for key in store.iter_keys()] == []


async def test_put_receives_the_next_block_while_the_last_one_is_written(store, tmp_path, monkeypatch):
    next_block_asked = threading.Event()
    writes_done_before_asked = []
    real_write_all = local_disk_blob_store._write_all

    def slow_write_all(fd: int, data: bytes) -> None:
        writes_done_before_asked.append(next_block_asked.wait(timeout=2))
        real_write_all(fd, data)

    async def chunks():
        yield b"a" * 8
        next_block_asked.set()
        yield b"b" * 8

    monkeypatch.setattr(local_disk_blob_store, "_write_all", slow_write_all)
    await store.put(KEY, chunks())

    assert writes_done_before_asked[0], "the first write held up the receiving of the second block"
    assert (tmp_path / "blobs" / "01" / "23" / KEY).read_bytes() == b"a" * 8 + b"b" * 8


async def test_put_failing_while_a_write_is_in_flight_discards_after_the_write(store, tmp_path, monkeypatch):
    write_started = threading.Event()
    release_write = threading.Event()
    temp_present_when_write_ended = []
    real_write_all = local_disk_blob_store._write_all

    def held_write_all(fd: int, data: bytes) -> None:
        write_started.set()
        release_write.wait(timeout=2)
        real_write_all(fd, data)
        temp_present_when_write_ended.append(len(temp_files(tmp_path)))

    async def chunks():
        yield b"a" * 8
        yield b"b" * 8  # the first block's write starts once another block follows it
        assert await asyncio.to_thread(write_started.wait, 2)
        asyncio.get_running_loop().call_later(0.05, release_write.set)
        raise RuntimeError("client went away")

    monkeypatch.setattr(local_disk_blob_store, "_write_all", held_write_all)
    with pytest.raises(RuntimeError):
        await store.put(KEY, chunks())

    assert temp_present_when_write_ended == [1]
    assert temp_files(tmp_path) == [] and [key async for key in store.iter_keys()] == []


async def test_put_cancelled_while_it_cleans_up_after_a_failure_still_leaves_nothing(
    store, tmp_path, monkeypatch
):
    write_started = threading.Event()
    release_write = threading.Event()
    real_write_all = local_disk_blob_store._write_all

    def held_write_all(fd: int, data: bytes) -> None:
        write_started.set()
        release_write.wait(timeout=2)
        real_write_all(fd, data)

    async def chunks():
        yield b"a" * 8
        yield b"b" * 8  # the first block's write starts once another block follows it
        await asyncio.to_thread(write_started.wait, 2)
        raise RuntimeError("the stream ended early")  # then grpc cancels the call too

    monkeypatch.setattr(local_disk_blob_store, "_write_all", held_write_all)
    put = asyncio.create_task(store.put(KEY, chunks()))
    assert await asyncio.to_thread(write_started.wait, 2)
    await asyncio.sleep(0.05)
    put.cancel()
    release_write.set()
    with pytest.raises((asyncio.CancelledError, RuntimeError)):
        await put

    assert temp_files(tmp_path) == [] and [key async for key in store.iter_keys()] == []


async def test_put_passes_a_block_of_the_write_size_on_without_copying_it(store, tmp_path, monkeypatch):
    written = []
    real_write_all = local_disk_blob_store._write_all

    def recording_write_all(fd: int, data: bytes) -> None:
        written.append(data)
        real_write_all(fd, data)

    block = b"c" * 8
    monkeypatch.setattr(local_disk_blob_store, "_write_all", recording_write_all)
    await store.put(KEY, _repeat(block, 1))

    assert written[0] is block


async def test_a_small_blob_costs_one_thread_hop_to_create_write_and_commit(store, tmp_path, monkeypatch):
    loop = asyncio.get_running_loop()
    hops = []
    real_run_in_executor = loop.run_in_executor

    def counting_run_in_executor(executor, func, *args):
        hops.append(func)
        return real_run_in_executor(executor, func, *args)

    monkeypatch.setattr(loop, "run_in_executor", counting_run_in_executor)
    await store.put(KEY, _repeat(b"s" * 6, 1))

    assert len(hops) == 1
    assert (tmp_path / "blobs" / "01" / "23" / KEY).read_bytes() == b"s" * 6 and temp_files(tmp_path) == []


async def test_an_empty_blob_is_stored_empty(store, tmp_path, make_chunks):
    await store.put(KEY, make_chunks())

    assert (tmp_path / "blobs" / "01" / "23" / KEY).read_bytes() == b"" and temp_files(tmp_path) == []


async def test_the_next_blobs_of_a_shard_do_not_check_its_directories_again(
    store, tmp_path, make_chunks, monkeypatch
):
    await store.put(KEY, make_chunks(b"first"))
    checked = []
    real_is_dir = pathlib.Path.is_dir
    monkeypatch.setattr(pathlib.Path, "is_dir", lambda path: checked.append(path) or real_is_dir(path))

    await store.put(KEY[:4] + "f" * 28, make_chunks(b"second"))

    assert checked == []
    assert (tmp_path / "blobs" / "01" / "23" / (KEY[:4] + "f" * 28)).read_bytes() == b"second"


async def test_a_shard_removed_underneath_is_made_again(store, tmp_path, make_chunks):
    await store.put(KEY, make_chunks(b"first"))
    shutil.rmtree(tmp_path / "blobs" / "01")

    await store.put(KEY[:4] + "f" * 28, make_chunks(b"second"))

    assert (tmp_path / "blobs" / "01" / "23" / (KEY[:4] + "f" * 28)).read_bytes() == b"second"
    assert temp_files(tmp_path) == []


async def test_put_of_a_single_block_on_a_full_disk_raises_storage_full_and_leaves_nothing(
    store, tmp_path, monkeypatch, make_chunks
):
    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local_disk_blob_store, "_write_all", disk_full)

    with pytest.raises(StorageFull):
        await store.put(KEY, make_chunks(b"tiny"))

    assert temp_files(tmp_path) == [] and [key async for key in store.iter_keys()] == []


async def test_put_rejects_a_key_that_could_escape_the_store(store, make_chunks):
    with pytest.raises(ValueError):
        await store.put("../../etc/passwd", make_chunks(b"x"))


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [(0, 11, b"hello world"), (6, 5, b"world"), (2, 3, b"llo"), (11, 0, b"")],
)
async def test_open_range_reads_the_requested_bytes(store, make_chunks, offset, length, expected):
    await store.put(KEY, make_chunks(b"hello world"))

    chunks = [chunk async for chunk in store.open_range(KEY, offset, length)]

    assert b"".join(chunks) == expected
    assert all(len(chunk) <= 4 for chunk in chunks)


async def test_open_range_of_an_unknown_key_raises_blob_not_found(store):
    with pytest.raises(BlobNotFound):
        await read_all(store.open_range(KEY, 0, 1))


async def test_delete_removes_the_blob_and_tolerates_a_missing_one(store, make_chunks):
    await store.put(KEY, make_chunks(b"x"))

    await store.delete(KEY)
    await store.delete(KEY)

    assert [key async for key in store.iter_keys()] == []


async def test_iter_keys_lists_every_stored_blob(store, make_chunks):
    await store.put(KEY, make_chunks(b"1"))
    await store.put(OTHER_KEY, make_chunks(b"2"))

    assert sorted([key async for key in store.iter_keys()]) == sorted([KEY, OTHER_KEY])


async def test_stale_temp_cleanup_removes_old_leftovers_and_keeps_a_fresh_temp_file(
    store, tmp_path, make_chunks
):
    await store.put(KEY, make_chunks(b"kept"))
    crashed = tmp_path / "blobs" / ".tmp" / f"{OTHER_KEY}.abc.part"
    crashed.write_bytes(b"half an upload")
    two_hours_ago = time.time() - 7200
    os.utime(crashed, (two_hours_ago, two_hours_ago))
    (tmp_path / "blobs" / ".tmp" / f"{OTHER_KEY}.def.part").write_bytes(b"being written")

    removed = await remove_stale_temp(store, written_before=datetime.now(UTC) - timedelta(hours=1))

    assert removed == 1 and temp_files(tmp_path) == [f"{OTHER_KEY}.def.part"]
    assert [key async for key in store.iter_keys()] == [KEY]


async def test_iter_blobs_lists_every_blob_in_key_order_with_size_and_time(store, tmp_path, make_chunks):
    keys = ["ff" + "0" * 30, "0a" + "1" * 30, "0a0" + "2" * 29, OTHER_KEY, KEY]
    for number, key in enumerate(keys):
        await store.put(key, make_chunks(b"x" * number))
    written = os.stat(tmp_path / "blobs" / KEY[:2] / KEY[2:4] / KEY).st_mtime

    blobs = [blob async for blob in store.iter_blobs()]

    assert [blob.name for blob in blobs] == sorted(keys)
    assert {blob.name: blob.size for blob in blobs} == {key: number for number, key in enumerate(keys)}
    assert next(blob for blob in blobs if blob.name == KEY).modified_at.timestamp() == pytest.approx(written)


async def test_stat_describes_a_blob_and_is_none_for_an_unknown_key(store, make_chunks):
    await store.put(KEY, make_chunks(b"hello"))

    blob = await store.stat(KEY)

    assert (blob.name, blob.size) == (KEY, 5) and blob.modified_at.tzinfo is not None
    assert await store.stat(OTHER_KEY) is None


async def test_iter_temp_and_delete_temp_see_and_remove_temp_data(store, tmp_path):
    (tmp_path / "blobs" / ".tmp" / f"{KEY}.abc.part").write_bytes(b"cut off")

    [entry] = [entry async for entry in store.iter_temp()]
    await store.delete_temp(entry.name)

    assert (entry.name, entry.size) == (f"{KEY}.abc.part", 7)
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("name", ["../01/23/" + KEY, "..", "sub/file.part"])
async def test_delete_temp_refuses_anything_but_a_name_in_the_temp_directory(store, name):
    with pytest.raises(ValueError):
        await store.delete_temp(name)


async def _repeat(chunk: bytes, times: int):
    for _ in range(times):
        yield chunk
