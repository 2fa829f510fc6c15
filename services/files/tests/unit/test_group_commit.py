"""Concurrent uploads share one transaction; one upload's taken key or failure never fails the others."""

import asyncio

import pytest

from files_service.domain.errors import FileUrlTaken
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.model import StoredFile, UploadRequest
from files_service.group_commit import GroupCommit

from .conftest import LONG_AGO, FakeUnitOfWork


def request(owner="acc-1", key=None) -> UploadRequest:
    return UploadRequest("notes.txt", False, owner, idempotency=key)


async def test_concurrent_uploads_are_committed_together(service, database, make_chunks):
    stored = await asyncio.gather(
        *[service.upload_file(request(), make_chunks(b"%d" % number)) for number in range(10)]
    )

    assert set(database.files) == {file.file_url for file in stored} and len(database.files) == 10
    assert len(database.outbox) == 10
    assert database.commits <= 2


async def test_a_taken_file_url_in_a_group_draws_another_and_the_others_commit(
    service, database, file_urls, make_chunks
):
    file_urls.script("same", "same", "same")

    stored = await asyncio.gather(*[service.upload_file(request(), make_chunks(b"x")) for _ in range(3)])

    assert max(file.file_url for file in stored) == "same"
    assert len({file.file_url for file in stored}) == 3 and len(database.files) == 3
    assert len(database.outbox) == 3, "one event per stored file, none for a taken url"


async def test_concurrent_retries_of_one_key_in_a_group_store_one_file(
    service, database, blob_store, make_chunks
):
    key = IdempotencyKey("account:acc-1", "retry-1")

    answers = await asyncio.gather(
        *[service.upload_file(request(key=key), make_chunks(b"same bytes")) for _ in range(4)]
    )

    assert len({answer.file_url for answer in answers}) == 1
    assert list(database.files) == [answers[0].file_url] and len(blob_store.blobs) == 1
    assert len(database.outbox) == 1 and len(database.idempotency) == 1


def stored_file(file_url: str) -> StoredFile:
    return StoredFile(file_url, file_url, "n", "", 1, "0" * 64, "key", "", LONG_AGO)


async def test_a_write_failing_unexpectedly_fails_only_itself(database):
    group = GroupCommit(lambda: FakeUnitOfWork(database))

    async def insert(file_url: str) -> str:
        async def work(uow) -> str:
            await uow.files.add(stored_file(file_url))
            if file_url == "broken":
                raise RuntimeError("a failure nobody expected")
            return file_url

        return await group.run(work, own_errors=(FileUrlTaken,))

    results = await asyncio.gather(insert("one"), insert("broken"), insert("two"), return_exceptions=True)

    assert results[0] == "one" and results[2] == "two" and isinstance(results[1], RuntimeError)
    assert set(database.files) == {"one", "two"}


async def test_a_write_cancelled_before_the_writer_took_it_writes_nothing(database):
    group = GroupCommit(lambda: FakeUnitOfWork(database))
    release = asyncio.Event()

    async def slow_insert(uow) -> None:
        await release.wait()
        await uow.files.add(stored_file("kept"))

    kept = asyncio.create_task(group.run(slow_insert))
    await asyncio.sleep(0.01)  # the writer holds the first group open
    cancelled = asyncio.create_task(group.run(lambda uow: uow.files.add(stored_file("cancelled"))))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    release.set()
    await kept
    await asyncio.sleep(0.01)

    assert set(database.files) == {"kept"}
