import asyncio
from datetime import timedelta

import pytest

from files_service.domain.errors import (
    DatabaseUnavailable,
    FileNotFound,
    InvalidDeleteKey,
    RangeNotSatisfiable,
)
from files_service.domain.model import UploadRequest
from files_service.service import FilesService

from .conftest import MAX_FILE_SIZE, FakeUnitOfWork


@pytest.fixture
async def stored(service, make_chunks, relay_drained):
    request = UploadRequest(user_filename="data.bin", include_ext=False, owner_account_id="acc-1")
    stored = await service.upload_file(request, make_chunks(b"0123456789"))
    await relay_drained()
    return stored


async def read_all(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_get_file_info_returns_the_stored_metadata(service, stored):
    assert await service.get_file_info(stored.file_url) == stored


@pytest.mark.parametrize("file_url", ["missing123", "", "a" * 65])
async def test_get_file_info_unknown_or_absurd_url_is_not_found(service, stored, file_url):
    with pytest.raises(FileNotFound):
        await service.get_file_info(file_url)


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [(0, None, b"0123456789"), (3, None, b"3456789"), (2, 5, b"23456"), (10, None, b""), (4, 0, b"")],
)
async def test_read_file_returns_the_requested_range(service, stored, offset, length, expected):
    assert await read_all(await service.read_file(stored.file_url, offset, length)) == expected


@pytest.mark.parametrize(("offset", "length"), [(11, None), (5, 6), (11, 0)])
async def test_read_file_rejects_a_range_past_the_end_before_streaming(service, stored, offset, length):
    with pytest.raises(RangeNotSatisfiable):
        await service.read_file(stored.file_url, offset, length)


async def test_read_file_unknown_url_is_not_found(service):
    with pytest.raises(FileNotFound):
        await service.read_file("missing123", 0, None)


async def test_read_file_whose_bytes_vanished_is_not_found(service, stored, blob_store):
    chunks = await service.read_file(stored.file_url, 0, None)
    blob_store.blobs.clear()

    with pytest.raises(FileNotFound):
        await read_all(chunks)


async def test_delete_file_with_the_right_key_removes_row_bytes_and_publishes(
    service, stored, database, blob_store, publisher, relay_drained
):
    await service.delete_file(stored.file_url, stored.delete_key)

    assert database.files == {} and blob_store.blobs == {}
    assert [message.subject for message in database.outbox] == ["files.deleted"]
    await relay_drained()
    assert database.outbox == []
    assert [message.subject for message in publisher.published] == ["files.uploaded", "files.deleted"]


@pytest.mark.parametrize("wrong_key", ["", "00000000-0000-0000-0000-000000000000", "ключ"])
async def test_delete_file_with_a_wrong_key_is_refused_and_keeps_the_file(
    service, stored, database, blob_store, wrong_key
):
    with pytest.raises(InvalidDeleteKey):
        await service.delete_file(stored.file_url, wrong_key)

    assert stored.file_url in database.files and stored.storage_key in blob_store.blobs


@pytest.mark.parametrize("key", ["", "anything"])
async def test_delete_file_unknown_url_is_not_found_whatever_the_key(service, key):
    with pytest.raises(FileNotFound):
        await service.delete_file("missing123", key)


async def test_delete_file_succeeds_when_the_bytes_cannot_be_deleted(service, stored, database, blob_store):
    async def failing_delete(key: str) -> None:
        raise OSError("read-only file system")

    blob_store.delete = failing_delete

    await service.delete_file(stored.file_url, stored.delete_key)

    assert database.files == {}


async def test_delete_file_publish_failure_leaves_deleted_event_in_outbox(
    service, stored, database, publisher
):
    publisher.failing = True

    await service.delete_file(stored.file_url, stored.delete_key)

    assert [message.subject for message in database.outbox] == ["files.deleted"]


async def test_use_cases_report_an_unreachable_database(service, stored, database):
    database.reachable = False

    with pytest.raises(DatabaseUnavailable):
        await service.get_file_info(stored.file_url)
    with pytest.raises(DatabaseUnavailable):
        await service.delete_file(stored.file_url, stored.delete_key)


@pytest.fixture
async def running_relay(relay):
    running = asyncio.create_task(relay.run())
    yield relay
    running.cancel()


@pytest.fixture
def patient_service(database, blob_store, running_relay) -> FilesService:
    return FilesService(
        lambda: FakeUnitOfWork(database),
        blob_store,
        MAX_FILE_SIZE,
        relay=running_relay,
        delete_event_wait=timedelta(seconds=5),
    )


async def test_delete_file_answers_once_its_event_is_published(patient_service, stored, publisher):
    await patient_service.delete_file(stored.file_url, stored.delete_key)

    assert publisher.published[-1].subject == "files.deleted", "answered before its event was published"


async def test_delete_file_does_not_wait_out_its_timeout_for_a_broker_that_is_down(
    patient_service, stored, database, publisher
):
    publisher.failing = True

    async with asyncio.timeout(1):
        await patient_service.delete_file(stored.file_url, stored.delete_key)

    assert [message.subject for message in database.outbox] == ["files.deleted"]
