"""Small files kept in their row: what reaches the blob store, the rows, reads and deletes."""

from dataclasses import replace

import pytest

from files_service.domain.errors import FileTooLarge
from files_service.domain.model import UploadRequest
from files_service.inline_content import read_if_small
from files_service.service import FilesService

INLINE_MAX = 10


@pytest.fixture
def service(make_service) -> FilesService:
    return make_service(inline_max_bytes=INLINE_MAX)


def request(size_bound: int = 0) -> UploadRequest:
    return UploadRequest(user_filename="a.txt", include_ext=False, owner_account_id="", size_bound=size_bound)


async def collected(stream) -> bytes:
    return b"".join([bytes(chunk) async for chunk in stream])


async def test_a_file_within_the_limit_is_in_its_row_and_never_in_the_store(
    service, database, blob_store, make_chunks
):
    stored = await service.upload_file(request(), make_chunks(b"01234", b"56789"))

    assert blob_store.blobs == {}
    assert database.files[stored.file_url].inline and database.files[stored.file_url].content == b"0123456789"
    assert await collected(await service.read_file(stored.file_url, 0, None)) == b"0123456789"
    assert await collected(await service.read_file(stored.file_url, 3, 4)) == b"3456"


async def test_a_file_over_the_limit_streams_to_the_store_with_every_byte_in_order(
    service, database, blob_store, make_chunks
):
    stored = await service.upload_file(request(), make_chunks(b"0123", b"4567", b"89A", b"BC"))

    assert blob_store.blobs == {stored.storage_key: b"0123456789ABC"}
    assert not database.files[stored.file_url].inline and database.files[stored.file_url].content is None


async def test_a_size_bound_over_the_limit_goes_to_the_store_without_reading_ahead(
    service, blob_store, make_chunks
):
    stored = await service.upload_file(request(size_bound=INLINE_MAX + 1), make_chunks(b"tiny"))

    assert blob_store.blobs == {stored.storage_key: b"tiny"}


async def test_a_small_file_too_large_for_the_service_keeps_nothing(
    make_service, database, blob_store, make_chunks
):
    service = make_service(max_file_size=4, inline_max_bytes=INLINE_MAX)

    with pytest.raises(FileTooLarge):
        await service.upload_file(request(), make_chunks(b"123", b"45"))

    assert (database.files, database.outbox, blob_store.blobs) == ({}, [], {})


async def test_a_deleted_small_file_leaves_nothing_and_asks_nothing_of_the_store(
    service, database, blob_store, make_chunks
):
    stored = await service.upload_file(request(), make_chunks(b"bye"))
    blob_store.blobs["sentinel"] = b"unrelated"

    await service.delete_file(stored.file_url, stored.delete_key)

    assert database.files == {} and blob_store.blobs == {"sentinel": b"unrelated"}
    assert [message.subject for message in database.outbox] == ["files.uploaded", "files.deleted"]


async def test_a_small_file_looked_up_without_its_bytes_is_read_from_its_row(service, database, make_chunks):
    stored = await service.upload_file(request(), make_chunks(b"listed"))

    without_bytes = replace(database.files[stored.file_url], content=None)

    assert await collected(service.read_stored_file(without_bytes, 1, 3)) == b"ist"


async def test_read_if_small_gives_back_every_chunk_of_a_bigger_stream_once(make_chunks):
    upload = await read_if_small(make_chunks(b"ab", b"cd", b"ef"), 3)

    assert upload.content is None and upload.chunks is not None
    assert await collected(upload.chunks) == b"abcdef"
    assert (await read_if_small(make_chunks(b"ab", b"c"), 3)).content == b"abc"
    assert (await read_if_small(make_chunks(), 3)).content == b""
