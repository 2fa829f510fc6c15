"""Account quotas on owned uploads: refused before any byte is stored when they cannot fit, refused at
the commit (leaving nothing) when they turn out not to fit, and never overshot by concurrent uploads."""

import asyncio
from datetime import timedelta

import pytest

from files_service.domain.claims import ClaimRequest, ClaimResult
from files_service.domain.errors import OwnerMissing, QuotaBytesExceeded, QuotaFilesExceeded
from files_service.domain.idempotency import IdempotencyKey
from files_service.domain.model import UploadRequest
from files_service.domain.quotas import AccountQuota, AccountUsage
from files_service.service import FilesService

from .conftest import MAX_FILE_SIZE, FakeUnitOfWork


def owned(owner="acc-1", size_bound=0, key=None) -> UploadRequest:
    idempotency = IdempotencyKey(f"account:{owner}", key) if key else None
    return UploadRequest("notes.txt", False, owner, idempotency=idempotency, size_bound=size_bound)


@pytest.fixture
def quota_of(database, blob_store, file_urls, fixed_now, relay):
    def make(max_bytes=0, max_files=0) -> FilesService:
        return FilesService(
            uow_factory=lambda: FakeUnitOfWork(database),
            blob_store=blob_store,
            max_file_size=MAX_FILE_SIZE,
            clock=lambda: fixed_now,
            file_url_generator=file_urls,
            relay=relay,
            delete_event_wait=timedelta(milliseconds=50),
            quota=AccountQuota(max_bytes=max_bytes, max_files=max_files),
        )

    return make


class CountingChunks:
    """Chunks that count how many were taken from them."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = chunks
        self.taken = 0

    async def __aiter__(self):
        for chunk in self._chunks:
            self.taken += 1
            yield chunk


async def test_an_upload_that_fills_the_byte_quota_exactly_is_stored(quota_of, make_chunks, database):
    service = quota_of(max_bytes=10)
    await service.upload_file(owned(size_bound=4), make_chunks(b"1234"))
    await service.upload_file(owned(size_bound=6), make_chunks(b"123456"))

    assert (await service.get_account_usage("acc-1"))[0] == AccountUsage(files=2, bytes=10)


async def test_an_upload_whose_bound_cannot_fit_is_refused_before_any_byte_is_read(
    quota_of, make_chunks, database, blob_store
):
    service = quota_of(max_bytes=10)
    await service.upload_file(owned(), make_chunks(b"12345678"))
    chunks = CountingChunks(b"abc")

    with pytest.raises(QuotaBytesExceeded) as refused:
        await service.upload_file(owned(size_bound=3), chunks)

    assert refused.value.limit == 10
    assert chunks.taken == 0
    assert len(database.files) == 1 and len(blob_store.blobs) == 1 and len(database.outbox) == 1


async def test_an_upload_without_a_bound_is_cut_off_once_it_passes_the_room_left(
    quota_of, make_chunks, database, blob_store
):
    service = quota_of(max_bytes=10)
    await service.upload_file(owned(), make_chunks(b"12345678"))
    chunks = CountingChunks(b"a", b"bc", b"never read")

    with pytest.raises(QuotaBytesExceeded):
        await service.upload_file(owned(), chunks)

    assert chunks.taken == 2
    assert len(database.files) == 1 and len(blob_store.blobs) == 1 and len(database.outbox) == 1
    assert blob_store.temp == {}


async def test_the_file_count_quota_refuses_one_more_file_whatever_its_size(quota_of, make_chunks, database):
    service = quota_of(max_files=2)
    await service.upload_file(owned(), make_chunks(b"a"))
    await service.upload_file(owned(), make_chunks(b""))

    with pytest.raises(QuotaFilesExceeded) as refused:
        await service.upload_file(owned(), make_chunks(b"b"))

    assert refused.value.limit == 2 and len(database.files) == 2


async def test_quotas_are_per_account_and_never_apply_to_anonymous_uploads(quota_of, make_chunks):
    service = quota_of(max_bytes=3, max_files=1)
    await service.upload_file(owned("acc-1"), make_chunks(b"abc"))
    await service.upload_file(owned("acc-2"), make_chunks(b"abc"))
    for _ in range(3):
        await service.upload_file(owned(""), make_chunks(b"anonymous bytes"))

    assert (await service.get_account_usage("acc-2"))[0] == AccountUsage(files=1, bytes=3)


async def test_a_deleted_file_frees_its_room(quota_of, make_chunks):
    service = quota_of(max_bytes=5, max_files=1)
    first = await service.upload_file(owned(), make_chunks(b"abcde"))
    with pytest.raises(QuotaFilesExceeded):
        await service.upload_file(owned(), make_chunks(b"x"))

    await service.delete_file(first.file_url, first.delete_key)

    await service.upload_file(owned(), make_chunks(b"vwxyz"))
    assert (await service.get_account_usage("acc-1"))[0] == AccountUsage(files=1, bytes=5)


async def test_concurrent_uploads_near_the_limit_are_refused_at_the_commit_and_leave_nothing(
    quota_of, make_chunks, database, blob_store, publisher, relay_drained
):
    service = quota_of(max_bytes=10)
    # Each fits what was stored when it began; together they do not: the commit decides.
    results = await asyncio.gather(
        *(service.upload_file(owned(size_bound=4), make_chunks(b"1234")) for _ in range(5)),
        return_exceptions=True,
    )
    await relay_drained()

    stored = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, BaseException)]
    assert len(stored) == 2 and all(isinstance(error, QuotaBytesExceeded) for error in refused)
    assert set(database.files) == {file.file_url for file in stored}
    assert set(blob_store.blobs) == {file.storage_key for file in stored}
    assert len(publisher.published) == 2
    assert (await service.get_account_usage("acc-1"))[0] == AccountUsage(files=2, bytes=8)


async def test_a_retry_of_a_recorded_key_answers_the_earlier_upload_even_with_the_quota_full(
    quota_of, make_chunks, database
):
    service = quota_of(max_files=1)
    first = await service.upload_file(owned(key="k-1"), make_chunks(b"abc"))

    again = await service.upload_file(owned(key="k-1", size_bound=3), make_chunks(b"abc"))

    assert again.file_url == first.file_url and len(database.files) == 1


async def test_a_refused_upload_with_a_key_records_no_key(quota_of, make_chunks, database):
    service = quota_of(max_files=1)
    first = await service.upload_file(owned(), make_chunks(b"abc"))
    with pytest.raises(QuotaFilesExceeded):
        await service.upload_file(owned(key="k-2"), make_chunks(b"def"))
    await service.delete_file(first.file_url, first.delete_key)

    stored = await service.upload_file(owned(key="k-2"), make_chunks(b"def"))

    assert set(database.files) == {stored.file_url}
    assert [record.file_url for record in database.idempotency.values()] == [stored.file_url]


async def test_usage_answers_the_limits_and_needs_an_account(quota_of):
    service = quota_of(max_bytes=100)

    usage, quota = await service.get_account_usage("nobody-yet")

    assert usage == AccountUsage(files=0, bytes=0) and quota == AccountQuota(max_bytes=100, max_files=0)
    with pytest.raises(OwnerMissing):
        await service.get_account_usage("")


async def test_a_claim_the_account_has_no_room_for_leaves_the_file_anonymous(
    quota_of, make_chunks, database, relay_drained, publisher
):
    service = quota_of(max_bytes=10, max_files=5)
    await service.upload_file(owned(), make_chunks(b"1234"))
    small = await service.upload_file(owned(""), make_chunks(b"12345"))
    large = await service.upload_file(owned(""), make_chunks(b"123456"))
    await relay_drained()
    published = len(publisher.published)

    outcomes = await service.claim_files(
        "acc-1",
        [ClaimRequest(small.file_url, small.delete_key), ClaimRequest(large.file_url, large.delete_key)],
    )
    await relay_drained()

    assert [outcome.result for outcome in outcomes] == [ClaimResult.CLAIMED, ClaimResult.OVER_QUOTA]
    assert outcomes[1].file is None
    assert database.files[large.file_url].owner_account_id == ""
    assert len(publisher.published) == published + 1
    assert (await service.get_account_usage("acc-1"))[0] == AccountUsage(files=2, bytes=9)
