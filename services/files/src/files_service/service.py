"""The use cases of the files service: upload, describe, read and delete a file, give a download URL;
claim anonymous files into an account; list owned files and publish their upload events again."""

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from files_service.account_quotas import AccountQuotas
from files_service.chunk_meter import MeteredChunks
from files_service.domain.claims import ClaimOutcome, ClaimRequest, ClaimResult, claim_result
from files_service.domain.errors import (
    CommitOutcomeUnknown,
    ContentBlocked,
    DownloadUrlUnsupported,
    FileNotFound,
    FileUrlTaken,
    IdempotencyKeyReused,
    IdempotencyKeyTaken,
    InvalidDeleteKey,
    OwnerMissing,
    QuotaExceeded,
    StorageUnavailable,
    TooManyFiles,
)
from files_service.domain.events import FileDeleted, FileUploaded
from files_service.domain.file_names import FileName, parse_file_name
from files_service.domain.idempotency import IdempotencyKey, IdempotencyRecord, upload_fingerprint
from files_service.domain.identifiers import (
    could_be_file_url,
    new_delete_key,
    new_event_id,
    new_file_url,
    new_storage_key,
)
from files_service.domain.limits import FileLimits
from files_service.domain.model import (
    ByteRange,
    DownloadHeaders,
    DownloadUrl,
    StoredFile,
    UploadRequest,
    resolve_range,
)
from files_service.domain.ports import (
    BlobNotFound,
    BlobStore,
    DownloadUrlSigner,
    EventRelay,
    OutboxMessage,
    UnitOfWork,
)
from files_service.domain.quotas import AccountQuota, AccountUsage
from files_service.group_commit import GroupCommit
from files_service.inline_content import UploadBytes, read_if_small
from files_service.purge import AccountFilesDeletion

logger = logging.getLogger(__name__)

MAX_FILE_URL_ATTEMPTS = 5
MAX_REPUBLISHED_PER_CALL = 1000
MAX_CLAIMED_PER_CALL = 1000
DEFAULT_DOWNLOAD_URL_TTL = timedelta(minutes=5)

Clock = Callable[[], datetime]
FileUrlGenerator = Callable[[str, bool], str]
UnitOfWorkFactory = Callable[[], UnitOfWork]
DEFAULT_DELETE_EVENT_WAIT = timedelta(seconds=5)
MAX_LIMITS_PER_CALL = 1000
DEFAULT_SEEK_GRACE = timedelta(minutes=30)
# What an upload's rows raise for that upload alone, having undone them: its group commit goes on.
_UPLOAD_OWN_ERRORS = (FileUrlTaken, IdempotencyKeyTaken, ContentBlocked, QuotaExceeded)


class _NoRelay:
    """Events stay in the outbox (a service that only reads, or a test)."""

    def wake(self) -> None:
        return None

    def published(self, event_id: str, timeout_seconds: float) -> Awaitable[bool]:
        return asyncio.sleep(0, result=False)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Republished:
    count: int
    unknown_file_urls: list[str]


class FilesService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        blob_store: BlobStore,
        max_file_size: int,
        clock: Clock = utc_now,
        file_url_generator: FileUrlGenerator = new_file_url,
        url_signer: DownloadUrlSigner | None = None,
        download_url_ttl: timedelta = DEFAULT_DOWNLOAD_URL_TTL,
        relay: EventRelay | None = None,
        delete_event_wait: timedelta = DEFAULT_DELETE_EVENT_WAIT,
        quota: AccountQuota = AccountQuota(),
        seek_grace: timedelta = DEFAULT_SEEK_GRACE,
        inline_max_bytes: int = 0,
        writes: GroupCommit | None = None,
    ) -> None:
        """`url_signer`: the store's way to make download URLs, when it has one. `relay` publishes the
        events each commit adds to the outbox; a delete waits up to `delete_event_wait` for its own.
        `quota`: what each account may store (owned uploads only). A file whose downloads are used up
        still serves the seeks of its last download for `seek_grace`. A file of at most
        `inline_max_bytes` bytes (0: none) keeps them in its row, not in the blob store (inline_content).
        `writes`: the group commit uploads are recorded through (shared with the relay's deletes)."""
        self._seek_grace = seek_grace
        self._inline_max_bytes = inline_max_bytes
        self._uow_factory = uow_factory
        self._writes = writes if writes is not None else GroupCommit(uow_factory)
        self._quotas = AccountQuotas(uow_factory, quota)
        self._relay: EventRelay = relay if relay is not None else _NoRelay()
        self._delete_event_wait = delete_event_wait
        self._blob_store = blob_store
        self._max_file_size = max_file_size
        self._clock = clock
        self._file_url_generator = file_url_generator
        self._url_signer = url_signer
        self._download_url_ttl = download_url_ttl
        self._account_files = AccountFilesDeletion(
            uow_factory, blob_store, self._relay, clock, delete_event_wait.total_seconds()
        )

    async def upload_file(
        self, request: UploadRequest, chunks: AsyncIterable[bytes | memoryview]
    ) -> StoredFile:
        """Validate the name, store the bytes, then record the file, its event and its idempotency key (if
        any) in one transaction. A key that an earlier upload recorded answers that upload's file when
        this one is the same (IdempotencyKeyReused otherwise); the new bytes are then discarded.
        Answers once the bytes and the rows are durable; the relay publishes the event right after."""
        name = parse_file_name(request.user_filename)
        metered = await self._metered_within_quota(request, chunks)
        storage_key = new_storage_key()
        upload = await self._small_or_streamed(request, metered)
        if upload.content is not None:
            stored = await self._record_inline_upload(request, name, storage_key, metered, upload.content)
        else:
            assert upload.chunks is not None
            stored = await self._store_and_record(request, name, storage_key, metered, upload.chunks)
        self._relay.wake()
        return stored

    async def _small_or_streamed(self, request: UploadRequest, metered: MeteredChunks) -> UploadBytes:
        """A file that may be small (by the caller's bound, when it gave one) is read up to the inline
        limit to find out; a bigger one streams to the blob store at once."""
        bound = request.size_bound
        if self._inline_max_bytes <= 0 or bound > self._inline_max_bytes:
            return UploadBytes(None, metered)
        return await read_if_small(metered, self._inline_max_bytes)

    async def _record_inline_upload(
        self, request: UploadRequest, name: FileName, storage_key: str, metered: MeteredChunks, content: bytes
    ) -> StoredFile:
        """Bytes and rows in one commit: nothing to discard when it is refused."""
        try:
            stored, message = await self._record_upload(request, name, storage_key, metered, content)
        except ContentBlocked:
            logger.warning("refused an upload of blocked bytes (sha256 %s)", metered.sha256)
            raise
        if message is None:
            logger.info("answered the earlier upload %s of a retried idempotency key", stored.file_url)
        return stored

    async def _store_and_record(
        self,
        request: UploadRequest,
        name: FileName,
        storage_key: str,
        metered: MeteredChunks,
        chunks: AsyncIterable[bytes | memoryview],
    ) -> StoredFile:
        recording = False
        try:
            await self._blob_store.put(storage_key, chunks)
            recording = True
            stored, message = await self._record_upload(request, name, storage_key, metered, None)
            if message is None:
                await self._discard_blob(storage_key)
                logger.info("answered the earlier upload %s of a retried idempotency key", stored.file_url)
                return stored
        except CommitOutcomeUnknown:
            # The file's row may exist: its bytes must stay (at worst they are orphaned, never served).
            logger.warning("kept blob %s: the database went away while recording it", storage_key)
            raise
        except asyncio.CancelledError:
            if recording:
                # Its rows may still commit with the others of their group: the bytes stay (at worst
                # orphaned, never served).
                logger.warning("kept blob %s: the upload was cancelled while being recorded", storage_key)
            else:
                await self._discard_blob(storage_key)
            raise
        except ContentBlocked:
            await self._discard_blob(storage_key)
            logger.warning("refused an upload of blocked bytes (sha256 %s)", metered.sha256)
            raise
        except StorageUnavailable:
            # A store that just failed would only fail the delete too, after its own retries: the
            # caller hears at once, and any bytes that did land are left to the reconciler.
            logger.warning("did not delete blob %s: the store failed while storing it", storage_key)
            raise
        except BaseException:
            await self._discard_blob(storage_key)
            raise
        return stored

    async def get_account_usage(self, owner_account_id: str) -> tuple[AccountUsage, AccountQuota]:
        """What the account stores, as of the latest commit, and its limits."""
        if not owner_account_id:
            raise OwnerMissing("usage is an account's")
        return await self._quotas.usage(owner_account_id), self._quotas.quota

    async def delete_account_files(self, owner_account_id: str) -> int:
        """Every file of a deleted account, as the purge deletes files; answers how many this call deleted."""
        if not owner_account_id:
            raise OwnerMissing("account deletion names its account")
        report = await self._account_files.delete_all_of(owner_account_id)
        return sum(report.purged.values())

    async def _metered_within_quota(
        self, request: UploadRequest, chunks: AsyncIterable[bytes | memoryview]
    ) -> MeteredChunks:
        """The upload's chunks, measured; an owned upload that cannot fit its account's quota is refused
        before any byte is stored, and one that grows past the room left, as soon as it does. A retry of
        an idempotency key already recorded is let through: it may answer the earlier upload."""
        owner = request.owner_account_id
        if not self._quotas.applies_to(owner) or await self._is_recorded(request.idempotency):
            return MeteredChunks(chunks, self._max_file_size)
        room = await self._quotas.room_before_upload(owner, request.size_bound)
        if room is None or room >= self._max_file_size:
            return MeteredChunks(chunks, self._max_file_size)
        return MeteredChunks(chunks, room, refusal=self._quotas.refusal_past(room))

    async def _is_recorded(self, idempotency: IdempotencyKey | None) -> bool:
        if idempotency is None:
            return False
        async with self._uow_factory() as uow:
            return await uow.idempotency.get(idempotency) is not None

    async def get_file_info(self, file_url: str) -> StoredFile:
        if not could_be_file_url(file_url):
            raise FileNotFound("file not found")
        async with self._uow_factory() as uow:
            stored = await uow.files.get(file_url)
        if stored is None or not stored.limits.served(self._clock(), self._seek_grace):
            raise FileNotFound("file not found")
        return stored

    async def count_download(self, file_url: str) -> int | None:
        """Counts one download of a limited file: the downloads left after it (None for a file without a
        limit, nothing counted). FileNotFound when the file is unknown, expired or used up."""
        if not could_be_file_url(file_url):
            raise FileNotFound("file not found")
        now = self._clock()
        async with self._uow_factory() as uow:
            left = await uow.files.count_download(file_url, now)
            if left is not None:
                await uow.commit()
                return left
            stored = await uow.files.get(file_url)
        if stored is None or stored.limits.limited or stored.limits.expired(now):
            raise FileNotFound("file not found")
        return None

    async def file_limits(self, file_urls: Sequence[str]) -> tuple[dict[str, FileLimits], list[str]]:
        """The limits of the named files that have limits and are still served, and the file_urls of those
        that have limits and are no longer served; files without limits, or unknown, are in neither."""
        if len(file_urls) > MAX_LIMITS_PER_CALL:
            raise TooManyFiles(f"at most {MAX_LIMITS_PER_CALL} files per call")
        wanted = [file_url for file_url in dict.fromkeys(file_urls) if could_be_file_url(file_url)]
        if not wanted:
            return {}, []
        async with self._uow_factory() as uow:
            found = await uow.files.limits_of(wanted)
        now = self._clock()
        served = {url: limits for url, limits in found.items() if limits.served(now, self._seek_grace)}
        return served, [url for url in found if url not in served]

    async def read_file(self, file_url: str, offset: int, length: int | None) -> AsyncGenerator[bytes, None]:
        """Check that the file and the range exist, then return the bytes as a lazy stream."""
        stored = await self.get_file_info(file_url)
        return self.read_stored_file(stored, offset, length)

    def read_stored_file(
        self, stored: StoredFile, offset: int, length: int | None
    ) -> AsyncGenerator[bytes, None]:
        """The bytes of a file already looked up (get_file_info); the range is checked at once."""
        byte_range = resolve_range(stored.size, offset, length)
        return self._stream_blob(stored, byte_range)

    async def get_download_url(self, file_url: str, headers: DownloadHeaders) -> DownloadUrl:
        """A short-lived URL of the file's bytes in the store, answered with `headers`: for a file that
        exists, from a store that can make one (DownloadUrlUnsupported otherwise)."""
        if self._url_signer is None:
            raise DownloadUrlUnsupported("the storage cannot make download URLs")
        stored = await self.get_file_info(file_url)
        if stored.inline:
            raise DownloadUrlUnsupported("a small file's bytes are kept in the database, not in the store")
        expires_at = self._clock() + self._download_url_ttl
        url = await self._url_signer.presigned_get_url(stored.storage_key, headers, self._download_url_ttl)
        return DownloadUrl(url=url, expires_at=expires_at)

    async def delete_file(self, file_url: str, delete_key: str) -> None:
        await self._delete(file_url, delete_key)

    async def remove_file(self, file_url: str) -> StoredFile:
        """An operator's delete, without the key: the same rows, event and blob as a user's. Returns the
        file as the delete found it."""
        return await self._delete(file_url, delete_key=None)

    async def _delete(self, file_url: str, delete_key: str | None) -> StoredFile:
        """Rows and the FileDeleted event in one transaction, then the blob; a delete_key of None is not
        checked (an operator's delete)."""
        if not could_be_file_url(file_url):
            raise FileNotFound("file not found")
        async with self._uow_factory() as uow:
            stored = await uow.files.get(file_url)
            if stored is None:
                raise FileNotFound("file not found")
            if delete_key is not None and not _same_key(stored.delete_key, delete_key):
                raise InvalidDeleteKey("invalid delete key")
            # The owner as the delete finds it: a claim may have committed since the read.
            owner = await uow.files.remove_returning_owner(file_url)
            if owner is None:
                raise FileNotFound("file not found")
            stored = replace(stored, owner_account_id=owner)
            # A retry of the upload that stored it, arriving after the delete, stores it again.
            await uow.idempotency.remove_for_file(file_url)
            message = await uow.outbox.add(FileDeleted.of(stored, new_event_id(), self._clock()))
            await uow.commit()
        self._relay.wake()
        published = self._relay.published(message.event_id, self._delete_event_wait.total_seconds())
        if not stored.inline:
            await self._discard_blob(stored.storage_key)
        # Answered once the event is in the stream, so the account's next listing no longer shows it
        # (or after the wait, the event left to the relay, when the broker is down).
        if not await published:
            logger.warning("deleted %s; its event waits in the outbox for the broker", file_url)
        return stored

    async def list_owned_files(self) -> AsyncGenerator[StoredFile, None]:
        """Every file that has an owner, in ascending file_url order, read as a stream."""
        async with self._uow_factory() as uow, contextlib.aclosing(uow.files.stream_owned()) as owned:
            async for stored in owned:
                yield stored

    async def republish_file_events(self, file_urls: Sequence[str]) -> Republished:
        """A fresh FileUploaded for each file_url naming an owned file, through the outbox; the rest are unknown."""
        if len(file_urls) > MAX_REPUBLISHED_PER_CALL:
            raise TooManyFiles(f"at most {MAX_REPUBLISHED_PER_CALL} files per call")
        republished = 0
        unknown: list[str] = []
        async with self._uow_factory() as uow:
            for file_url in dict.fromkeys(file_urls):
                stored = await uow.files.get(file_url) if could_be_file_url(file_url) else None
                if stored is None or not stored.has_owner:
                    unknown.append(file_url)
                    continue
                await uow.outbox.add(FileUploaded.of(stored, new_event_id(), self._clock()))
                republished += 1
            await uow.commit()
        if republished:
            self._relay.wake()
        logger.info("republished %d upload event(s); %d file(s) unknown", republished, len(unknown))
        return Republished(count=republished, unknown_file_urls=unknown)

    async def claim_files(
        self, owner_account_id: str, requests: Sequence[ClaimRequest]
    ) -> list[ClaimOutcome]:
        """Each anonymous file whose delete key is right becomes the account's, with a FileUploaded
        naming the owner, all in one transaction; an owned file is never changed. One outcome per
        request, in order."""
        if not owner_account_id:
            raise OwnerMissing("a claim needs the account the files move into")
        if len(requests) > MAX_CLAIMED_PER_CALL:
            raise TooManyFiles(f"at most {MAX_CLAIMED_PER_CALL} files per call")
        async with self._uow_factory() as uow:
            outcomes = [await self._claim_one(uow, owner_account_id, request) for request in requests]
            claimed = sum(outcome.result is ClaimResult.CLAIMED for outcome in outcomes)
            if claimed:
                await uow.commit()
        if claimed:
            self._relay.wake()
        logger.info("claimed %d of %d file(s) into an account", claimed, len(outcomes))
        return outcomes

    async def _claim_one(self, uow: UnitOfWork, owner_account_id: str, request: ClaimRequest) -> ClaimOutcome:
        file_url = request.file_url
        stored = await uow.files.get(file_url) if could_be_file_url(file_url) else None
        result = claim_result(stored, request.delete_key, owner_account_id)
        if result is ClaimResult.CLAIMED and not await self._has_room(uow, stored, owner_account_id):
            result = ClaimResult.OVER_QUOTA
        if result is ClaimResult.CLAIMED and not await uow.files.claim(file_url, owner_account_id):
            # Deleted or claimed since it was read: its key was right, so what it is now is told.
            stored = await uow.files.get(file_url)
            result = claim_result(stored, request.delete_key, owner_account_id)
            if result is ClaimResult.CLAIMED:
                result = ClaimResult.UNKNOWN_FILE
        elif result is ClaimResult.CLAIMED:
            assert stored is not None
            stored = replace(stored, owner_account_id=owner_account_id)
            await uow.outbox.add(FileUploaded.of(stored, new_event_id(), self._clock()))
        mine = result in (ClaimResult.CLAIMED, ClaimResult.ALREADY_YOURS)
        return ClaimOutcome(file_url, result, stored if mine else None)

    async def _has_room(self, uow: UnitOfWork, stored: StoredFile | None, owner_account_id: str) -> bool:
        """Whether the account, with what this transaction has claimed so far, has room for the file."""
        if stored is None or not self._quotas.applies_to(owner_account_id):
            return True
        try:
            self._quotas.quota.check(await uow.files.usage_of(owner_account_id), stored.size)
        except QuotaExceeded:
            return False
        return True

    async def purge_idempotency_records(self, older_than: timedelta) -> int:
        async with self._uow_factory() as uow:
            purged = await uow.idempotency.purge(self._clock() - older_than)
            await uow.commit()
        if purged:
            logger.info("forgot %d idempotency key(s) older than %s", purged, older_than)
        return purged

    async def _record_upload(
        self,
        request: UploadRequest,
        name: FileName,
        storage_key: str,
        metered: MeteredChunks,
        content: bytes | None,
    ) -> tuple[StoredFile, OutboxMessage | None]:
        """The new file and its event; or, for a retry of an idempotency key, the earlier file and None."""
        fingerprint = upload_fingerprint(
            metered.sha256,
            request.user_filename,
            request.include_ext,
            request.owner_account_id,
            request.limits.fingerprint,
        )
        for attempt in range(1, MAX_FILE_URL_ATTEMPTS + 1):
            created_at = self._clock()
            stored = StoredFile(
                file_url=self._file_url_generator(name.ext, request.include_ext),
                storage_key=storage_key,
                user_filename=name.user_filename,
                ext=name.ext,
                size=metered.size,
                sha256=metered.sha256,
                delete_key=new_delete_key(),
                owner_account_id=request.owner_account_id,
                created_at=created_at,
                limits=FileLimits.starting(request.limits, created_at),
                inline=content is not None,
                content=content,
            )
            try:
                return stored, await self._insert_uploaded(stored, request.idempotency, fingerprint)
            except FileUrlTaken:
                logger.warning("file_url %s is taken (attempt %d), drawing another", stored.file_url, attempt)
            except IdempotencyKeyTaken:
                assert request.idempotency is not None
                earlier = await self._earlier_upload(request.idempotency, fingerprint)
                if earlier is not None:
                    return earlier, None
        raise FileUrlTaken(f"no free file_url after {MAX_FILE_URL_ATTEMPTS} attempts")

    async def _insert_uploaded(
        self, stored: StoredFile, idempotency: IdempotencyKey | None, fingerprint: str
    ) -> OutboxMessage:
        """Writes first and lets the unique key decide, so that concurrent retries of one key store once.
        Committed together with the other uploads waiting: a taken key writes nothing of this upload."""

        async def insert(uow: UnitOfWork) -> OutboxMessage:
            # Blocked bytes are refused here, in the commit's own transaction: a block committed before
            # it is never missed.
            await uow.files.add(stored)
            if idempotency is not None:
                try:
                    await uow.idempotency.add(
                        IdempotencyRecord(
                            idempotency.scope,
                            idempotency.key,
                            fingerprint,
                            stored.file_url,
                            stored.created_at,
                        )
                    )
                except IdempotencyKeyTaken:
                    await uow.files.remove(stored.file_url)
                    raise
            if self._quotas.applies_to(stored.owner_account_id):
                await self._undone_past_quota(uow, stored, idempotency)
            return await uow.outbox.add(FileUploaded.of(stored, new_event_id(), stored.created_at))

        return await self._writes.run(insert, own_errors=_UPLOAD_OWN_ERRORS)

    async def _undone_past_quota(
        self, uow: UnitOfWork, stored: StoredFile, idempotency: IdempotencyKey | None
    ) -> None:
        """Counted with the uploads committed before and those of its own group, the file must fit its
        account's quota; else what it wrote is undone and QuotaExceeded raised (for it alone)."""
        try:
            await self._quotas.check_recorded(uow, stored.owner_account_id)
        except QuotaExceeded:
            if idempotency is not None:
                await uow.idempotency.remove(idempotency)
            await uow.files.remove(stored.file_url)
            raise

    async def _earlier_upload(self, idempotency: IdempotencyKey, fingerprint: str) -> StoredFile | None:
        """The file the key's earlier upload stored; None when it is gone (the key is then freed)."""
        async with self._uow_factory() as uow:
            earlier = await uow.idempotency.get(idempotency)
            if earlier is None:
                return None
            if earlier.fingerprint != fingerprint:
                raise IdempotencyKeyReused("Idempotency-Key was used for a different upload")
            stored = await uow.files.get(earlier.file_url)
            if stored is None:
                await uow.idempotency.remove(idempotency)
                await uow.commit()
            return stored

    async def _stream_blob(self, stored: StoredFile, byte_range: ByteRange) -> AsyncGenerator[bytes, None]:
        if byte_range.length == 0:
            return
        if stored.inline:
            yield await self._inline_range(stored, byte_range)
            return
        chunks = self._blob_store.open_range(stored.storage_key, byte_range.offset, byte_range.length)
        async with contextlib.aclosing(chunks):
            try:
                async for chunk in chunks:
                    yield chunk
            except BlobNotFound as error:
                raise FileNotFound("file not found") from error

    async def _inline_range(self, stored: StoredFile, byte_range: ByteRange) -> bytes:
        content = stored.content
        if content is None:  # looked up by a read that left the bytes out
            async with self._uow_factory() as uow:
                reread = await uow.files.get(stored.file_url)
            if reread is None or reread.content is None:
                raise FileNotFound("file not found")
            content = reread.content
        return content[byte_range.offset : byte_range.offset + byte_range.length]

    async def _discard_blob(self, storage_key: str) -> None:
        """Orphaned bytes are harmless (never listed or served), so a failure here is only logged."""
        try:
            await self._blob_store.delete(storage_key)
        except Exception:
            logger.exception("could not delete blob %s; its bytes stay orphaned", storage_key)


def _same_key(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())
