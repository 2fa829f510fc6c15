"""An upload with an idempotency key: a retry gets the first upload's file, never a second one."""

from datetime import timedelta

import pytest

from files_service.domain.errors import IdempotencyKeyReused, InvalidIdempotencyKey
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.model import UploadRequest

KEY = IdempotencyKey("address:127.0.0.1", "5f0c6f0e-upload-1")


def keyed(key=KEY, name="notes.txt", include_ext=False, owner="") -> UploadRequest:
    return UploadRequest(name, include_ext, owner, idempotency=key)


async def test_a_retry_with_the_same_key_and_bytes_answers_the_first_file_and_keeps_one_copy(
    service, database, blob_store, publisher, make_chunks, relay_drained
):
    first = await service.upload_file(keyed(), make_chunks(b"hello"))
    retry = await service.upload_file(keyed(), make_chunks(b"hel", b"lo"))
    await relay_drained()

    assert retry == first
    assert list(database.files) == [first.file_url]
    assert blob_store.blobs == {first.storage_key: b"hello"}
    assert [message.subject for message in publisher.published] == ["files.uploaded"]


@pytest.mark.parametrize(
    "change",
    [
        {"body": b"other bytes"},
        {"name": "other.txt"},
        {"include_ext": True},
        {"owner": "acc-1"},
    ],
)
async def test_the_same_key_for_a_different_upload_is_refused_and_stores_nothing(
    service, database, blob_store, make_chunks, change
):
    first = await service.upload_file(keyed(), make_chunks(b"hello"))
    body = change.pop("body", b"hello")

    with pytest.raises(IdempotencyKeyReused):
        await service.upload_file(keyed(**change), make_chunks(body))

    assert list(database.files) == [first.file_url]
    assert list(blob_store.blobs) == [first.storage_key]


async def test_keys_are_separate_per_scope(service, database, make_chunks):
    mine = await service.upload_file(keyed(), make_chunks(b"hello"))
    other_scope = IdempotencyKey("address:10.0.0.9", KEY.key)
    theirs = await service.upload_file(keyed(other_scope), make_chunks(b"hello"))

    assert mine.file_url != theirs.file_url and len(database.files) == 2


async def test_a_retry_after_the_file_was_deleted_stores_it_again(service, database, make_chunks):
    first = await service.upload_file(keyed(), make_chunks(b"hello"))
    await service.delete_file(first.file_url, first.delete_key)

    again = await service.upload_file(keyed(), make_chunks(b"hello"))

    assert again.file_url != first.file_url and list(database.files) == [again.file_url]


async def test_keys_older_than_the_ttl_are_forgotten(service, database, make_chunks, fixed_now):
    await service.upload_file(keyed(), make_chunks(b"hello"))

    assert await service.purge_idempotency_records(timedelta(hours=24)) == 0
    service._clock = lambda: fixed_now + timedelta(hours=24, seconds=1)
    assert await service.purge_idempotency_records(timedelta(hours=24)) == 1
    assert database.idempotency == {}


def test_a_key_longer_than_255_characters_is_refused():
    with pytest.raises(InvalidIdempotencyKey):
        IdempotencyKey("address:127.0.0.1", "k" * 256)
