import asyncio
import hashlib

import pytest

from files_service.domain.errors import (
    BadExtension,
    BadFilename,
    CommitOutcomeUnknown,
    DatabaseUnavailable,
    FileTooLarge,
    FileUrlTaken,
    StorageFull,
    StorageUnavailable,
)
from files_service.domain.model import UploadRequest
from files_service.service import MAX_FILE_URL_ATTEMPTS


def upload_request(name="clip.MP4", include_ext=False, owner="") -> UploadRequest:
    return UploadRequest(user_filename=name, include_ext=include_ext, owner_account_id=owner)


async def test_upload_file_stores_bytes_metadata_and_publishes_uploaded(
    service, database, blob_store, publisher, make_chunks, fixed_now, relay_drained
):
    stored = await service.upload_file(upload_request(owner="acc-1"), make_chunks(b"abc", b"def"))
    assert [message.subject for message in database.outbox] == ["files.uploaded"], (
        "answered before publishing"
    )
    assert publisher.published == []
    await relay_drained()

    assert (stored.ext, stored.user_filename, stored.size) == (".mp4", "clip.MP4", 6)
    assert stored.sha256 == hashlib.sha256(b"abcdef").hexdigest()
    assert stored.created_at == fixed_now and stored.owner_account_id == "acc-1"
    assert blob_store.blobs == {stored.storage_key: b"abcdef"}
    assert database.files == {stored.file_url: stored}
    assert [message.subject for message in publisher.published] == ["files.uploaded"]
    assert database.outbox == []


async def test_upload_file_event_carries_delete_key_only_for_an_owned_file(
    service, publisher, make_chunks, relay_drained
):
    owned = await service.upload_file(upload_request(owner="acc-1"), make_chunks(b"x"))
    anonymous = await service.upload_file(upload_request(), make_chunks(b"y"))
    await relay_drained()

    owned_payload, anonymous_payload = (message.payload.decode() for message in publisher.published)
    assert f"delete_key='{owned.delete_key}'" in owned_payload
    assert "delete_key=''" in anonymous_payload and anonymous.delete_key


async def test_upload_file_uses_a_random_storage_key_never_the_name(service, blob_store, make_chunks):
    stored = await service.upload_file(upload_request(name="../../evil.txt"), make_chunks(b"x"))

    assert stored.user_filename == "evil.txt"
    assert len(stored.storage_key) == 32 and "evil" not in stored.storage_key


async def test_upload_file_appends_extension_to_url_when_asked(service, make_chunks):
    stored = await service.upload_file(upload_request(include_ext=True), make_chunks(b"x"))

    assert stored.file_url.endswith(".mp4")


async def test_upload_file_rejects_a_bad_name_before_reading_any_bytes(service, blob_store):
    pulled = []

    async def chunks():
        pulled.append(True)
        yield b"x"

    with pytest.raises(BadFilename):
        await service.upload_file(upload_request(name="dir/"), chunks())
    with pytest.raises(BadExtension):
        await service.upload_file(upload_request(name="README"), chunks())

    assert pulled == [] and blob_store.blobs == {}


async def test_upload_file_accepts_exactly_the_size_limit(service, max_file_size, make_chunks):
    stored = await service.upload_file(upload_request(), make_chunks(b"a" * max_file_size))

    assert stored.size == max_file_size


async def test_upload_file_over_the_limit_keeps_nothing(
    service, database, blob_store, publisher, max_file_size, make_chunks
):
    with pytest.raises(FileTooLarge):
        await service.upload_file(upload_request(), make_chunks(b"a" * max_file_size, b"b"))

    assert blob_store.blobs == {} and database.files == {} and publisher.published == []


async def test_upload_file_storage_failure_keeps_no_metadata(service, database, blob_store, make_chunks):
    blob_store.fail_after_bytes = 1
    blob_store.failure = StorageFull("disk full")

    with pytest.raises(StorageFull):
        await service.upload_file(upload_request(), make_chunks(b"abc"))

    assert database.files == {} and database.outbox == []


async def test_upload_file_to_an_unreachable_store_fails_without_waiting_on_a_delete_there(
    service, database, blob_store, make_chunks
):
    blob_store.fail_after_bytes = 1
    blob_store.failure = StorageUnavailable("object store unreachable")

    async def delete_that_retries_for_ever(key: str) -> None:
        await asyncio.Event().wait()

    blob_store.delete = delete_that_retries_for_ever

    with pytest.raises(StorageUnavailable):
        await asyncio.wait_for(service.upload_file(upload_request(), make_chunks(b"abc")), 5)

    assert database.files == {} and database.outbox == []


async def test_upload_file_keeps_the_bytes_when_the_database_goes_away_while_committing(
    service, database, blob_store, make_chunks
):
    database.lost_on_commit = True

    with pytest.raises(CommitOutcomeUnknown):
        await service.upload_file(upload_request(), make_chunks(b"abc"))

    (stored,) = database.files.values()
    assert blob_store.blobs == {stored.storage_key: b"abc"}, "a row without its bytes"


async def test_upload_file_discards_the_bytes_when_the_database_is_down_before_committing(
    service, database, blob_store, make_chunks
):
    database.reachable = False

    with pytest.raises(DatabaseUnavailable):
        await service.upload_file(upload_request(), make_chunks(b"abc"))

    assert blob_store.blobs == {} and database.files == {}


async def test_upload_file_cancelled_mid_stream_keeps_nothing(service, database, blob_store):
    started = asyncio.Event()

    async def stalled_chunks():
        yield b"first"
        started.set()
        await asyncio.Event().wait()
        yield b"never"

    upload = asyncio.create_task(service.upload_file(upload_request(), stalled_chunks()))
    await started.wait()
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload

    assert blob_store.blobs == {} and database.files == {}


async def test_upload_file_retries_with_a_new_url_on_collision(service, database, file_urls, make_chunks):
    first = await service.upload_file(upload_request(), make_chunks(b"1"))
    file_urls.script(first.file_url, first.file_url, "freshurl01")

    second = await service.upload_file(upload_request(), make_chunks(b"2"))

    assert second.file_url == "freshurl01"
    assert set(database.files) == {first.file_url, "freshurl01"}


async def test_upload_file_gives_up_after_repeated_collisions_and_keeps_no_bytes(
    service, database, blob_store, file_urls, make_chunks
):
    first = await service.upload_file(upload_request(), make_chunks(b"1"))
    file_urls.script(*[first.file_url] * MAX_FILE_URL_ATTEMPTS)

    with pytest.raises(FileUrlTaken):
        await service.upload_file(upload_request(), make_chunks(b"2"))

    assert list(blob_store.blobs) == [first.storage_key] and list(database.files) == [first.file_url]


async def test_upload_file_succeeds_and_leaves_event_in_outbox_when_publish_fails(
    service, database, publisher, make_chunks
):
    publisher.failing = True

    stored = await service.upload_file(upload_request(), make_chunks(b"abc"))

    assert stored.file_url in database.files
    assert [message.subject for message in database.outbox] == ["files.uploaded"]
    assert stored.file_url in database.outbox[0].payload.decode()
