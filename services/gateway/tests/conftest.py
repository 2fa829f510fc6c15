"""In-memory stand-ins for the auth and files gRPC services, served by real grpc.aio servers on port 0.

Failures carry google.rpc.ErrorInfo details exactly as the real services send them.
"""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2_grpc
from grpc_status import rpc_status

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader.files.v1 import files_pb2, files_pb2_grpc

AUTH_DOMAIN = "auth.fileuploader"
FILES_DOMAIN = "files.fileuploader"
READ_CHUNK = 64 * 1024
CREATED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CREATED_AT_SECONDS = int(CREATED_AT.timestamp())
STALL_SECONDS = 60
# As the real services permit them: the gateway pings every few seconds, calls or not.
PINGS_PERMITTED = [
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 1000),
]


async def _no_more_messages():
    """The rest of a whole-file upload's requests: there are none."""
    return
    yield


async def abort_with_reason(
    context, code: grpc.StatusCode, reason: str, domain: str, facts: dict[str, str] | None = None
) -> None:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=facts or {}))
    message = status_pb2.Status(code=code.value[0], message=reason.lower(), details=[detail])
    status = rpc_status.to_status(message)
    await context.abort(status.code, status.details, trailing_metadata=status.trailing_metadata)


async def auth_abort(context, code: grpc.StatusCode, reason: str) -> None:
    await abort_with_reason(context, code, reason, AUTH_DOMAIN)


async def files_abort(context, code: grpc.StatusCode, reason: str) -> None:
    await abort_with_reason(context, code, reason, FILES_DOMAIN)


def request_id_of(context: grpc.aio.ServicerContext) -> str | None:
    return dict(context.invocation_metadata() or ()).get("x-request-id")


class FakeAuthService(auth_pb2_grpc.AuthServiceServicer):
    """Tokens are "tok-<hex>"; one starting with "expired" is expired; other unknown ones are invalid."""

    def __init__(self) -> None:
        self.accounts: dict[str, tuple[str, auth_pb2.Account]] = {}
        self.tokens: dict[str, tuple[auth_pb2.Account, int]] = {}
        self.files: dict[str, list[auth_pb2.AccountFile]] = {}
        self.disabled: set[str] = set()  # usernames an operator disabled
        self.request_ids: list[str | None] = []
        self.delay_seconds = 0.0
        self.recorded: list[tuple[str, auth_pb2.AccountFile]] = []
        self.record_failure: grpc.StatusCode | None = None
        # token_id -> (the token, its listing); the token is in `tokens` while it lives.
        self.api_tokens: dict[str, tuple[str, auth_pb2.ApiToken]] = {}
        self.api_token_requests: list[auth_pb2.CreateApiTokenRequest] = []
        self.after_deletion_start: Callable[[str], None] | None = None  # e.g. an operator's enable
        # As an auth service that predates ListAccountFilesBatch answers it.
        self.listing_batches_unimplemented = False
        self.listing_batch_sizes: list[int] = []

    def sign_up(self, username: str, password: str = "pw", kind: int = auth_pb2.TOKEN_KIND_NORMAL) -> str:
        account = auth_pb2.Account(account_id=uuid.uuid4().hex, username=username)
        self.accounts[username] = (password, account)
        return self._issue(account, kind).access_token

    def record_upload(self, owner_account_id: str, info: files_pb2.FileInfo, delete_key: str) -> None:
        item = auth_pb2.AccountFile(
            file_url=info.file_url,
            delete_key=delete_key,
            ext=info.ext,
            user_filename=info.user_filename,
            size=info.size,
            created_at=info.created_at,
        )
        if info.HasField("expires_at"):
            item.expires_at.CopyFrom(info.expires_at)
        if info.HasField("max_downloads"):
            item.max_downloads = info.max_downloads
        self.files.setdefault(owner_account_id, []).insert(0, item)

    def _issue(self, account: auth_pb2.Account, kind: int) -> auth_pb2.IssuedToken:
        token = f"tok-{uuid.uuid4().hex}"
        self.tokens[token] = (account, kind)
        return auth_pb2.IssuedToken(access_token=token, account=account, token_kind=kind)

    async def _enter(self, context) -> None:
        self.request_ids.append(request_id_of(context))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)

    async def _account_of(self, token: str, context) -> tuple[auth_pb2.Account, int]:  # noqa: RET503 (aborts)
        if token in self.tokens:
            return self.tokens[token]
        if not token:
            reason, code = "TOKEN_MISSING", grpc.StatusCode.INVALID_ARGUMENT
        elif token.startswith("expired"):
            reason, code = "TOKEN_EXPIRED", grpc.StatusCode.UNAUTHENTICATED
        elif token.startswith("tok-"):
            reason, code = "TOKEN_NOT_FOUND", grpc.StatusCode.UNAUTHENTICATED
        else:
            reason, code = "TOKEN_INVALID", grpc.StatusCode.UNAUTHENTICATED
        await auth_abort(context, code, reason)

    async def _check_credentials(self, request, context) -> None:
        if not request.username or not request.password:
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "CREDENTIALS_MISSING")
        if len(request.username) > 64:
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "USERNAME_TOO_LONG")
        if any(ord(char) < 32 for char in request.username):
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "USERNAME_INVALID")
        if len(request.password) > 1024:
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "PASSWORD_TOO_LONG")

    async def Register(self, request, context):
        await self._enter(context)
        await self._check_credentials(request, context)
        if request.username in self.accounts:
            await auth_abort(context, grpc.StatusCode.ALREADY_EXISTS, "USERNAME_TAKEN")
        self.sign_up(request.username, request.password)
        return self._issue(self.accounts[request.username][1], request.token_kind)

    async def Login(self, request, context):
        await self._enter(context)
        await self._check_credentials(request, context)
        if request.username not in self.accounts:
            await auth_abort(context, grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
        password, account = self.accounts[request.username]
        if password != request.password:
            await auth_abort(context, grpc.StatusCode.UNAUTHENTICATED, "WRONG_PASSWORD")
        if request.username in self.disabled:
            await auth_abort(context, grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_DISABLED")
        return self._issue(account, request.token_kind)

    async def RefreshToken(self, request, context):
        await self._enter(context)
        account, kind = await self._account_of(request.access_token, context)
        del self.tokens[request.access_token]
        return self._issue(account, kind)

    async def Logout(self, request, context):
        await self._enter(context)
        await self._account_of(request.access_token, context)
        del self.tokens[request.access_token]
        return auth_pb2.LogoutResponse()

    async def ValidateToken(self, request, context):
        await self._enter(context)
        account, kind = await self._account_of(request.access_token, context)
        return auth_pb2.ValidateTokenResponse(account=account, token_kind=kind)

    async def ListAccountFiles(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        files = self.files.get(account.account_id, [])
        return auth_pb2.ListAccountFilesResponse(account=account, files=files)

    async def ListAccountFilesBatch(self, request, context):
        """As auth answers it: each listing on its own, a refusal as the status ListAccountFiles ends with."""
        if self.listing_batches_unimplemented:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
        self.listing_batch_sizes.append(len(request.listings))
        outcomes = await asyncio.gather(*(self._list_batched(listing) for listing in request.listings))
        return auth_pb2.ListAccountFilesBatchResponse(outcomes=outcomes)

    async def _list_batched(self, listing: auth_pb2.BatchedListing) -> auth_pb2.ListingOutcome:
        request = auth_pb2.ListAccountFilesRequest(access_token=listing.access_token)
        try:
            listed = await self.ListAccountFiles(
                request, BatchedItemContext(listing.request_id, auth_pb2.ListingRefusal)
            )
        except ItemRefused as refused:
            return auth_pb2.ListingOutcome(refused=refused.refusal)
        return auth_pb2.ListingOutcome(listed=listed)

    async def RecordAccountFile(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        if self.record_failure is not None:
            await context.abort(self.record_failure, "auth cannot record files now")
        self.recorded.append((account.account_id, request.file))
        return auth_pb2.RecordAccountFileResponse()

    async def CreateApiToken(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        self.api_token_requests.append(request)
        if not 1 <= len(request.name) <= 100:
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "API_TOKEN_NAME_INVALID")
        if request.expires_in_seconds and not 60 <= request.expires_in_seconds <= 3600:
            await abort_with_reason(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                "API_TOKEN_LIFETIME_INVALID",
                AUTH_DOMAIN,
                {"min_seconds": "60", "max_seconds": "3600"},
            )
        token = self._issue(account, auth_pb2.TOKEN_KIND_API).access_token
        listed = auth_pb2.ApiToken(token_id=uuid.uuid4().hex, name=request.name)
        listed.created_at.FromDatetime(CREATED_AT)
        listed.expires_at.FromSeconds(CREATED_AT_SECONDS + (request.expires_in_seconds or 3600))
        self.api_tokens[listed.token_id] = (token, listed)
        return auth_pb2.CreateApiTokenResponse(access_token=token, token=listed)

    async def ListApiTokens(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        mine = [
            listed
            for token, listed in self.api_tokens.values()
            if token in self.tokens and self.tokens[token][0].account_id == account.account_id
        ]
        return auth_pb2.ListApiTokensResponse(tokens=mine[::-1])

    async def RevokeApiToken(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        token, _ = self.api_tokens.get(request.token_id, ("", None))
        if token not in self.tokens or self.tokens[token][0].account_id != account.account_id:
            await auth_abort(context, grpc.StatusCode.NOT_FOUND, "API_TOKEN_NOT_FOUND")
        del self.tokens[token]
        return auth_pb2.RevokeApiTokenResponse()

    async def ChangePassword(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        if len(request.new_password) > 1024:
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "PASSWORD_TOO_LONG")
        if self.accounts[account.username][0] != request.old_password:
            await auth_abort(context, grpc.StatusCode.UNAUTHENTICATED, "WRONG_PASSWORD")
        self.accounts[account.username] = (request.new_password, account)
        others = [
            token
            for token, (owner, _) in self.tokens.items()
            if owner.account_id == account.account_id and token != request.access_token
        ]
        for token in others:
            del self.tokens[token]
        return auth_pb2.ChangePasswordResponse(revoked_tokens=len(others))

    async def StartAccountDeletion(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        if not request.password:
            await auth_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "CREDENTIALS_MISSING")
        if self.accounts[account.username][0] != request.password:
            await auth_abort(context, grpc.StatusCode.UNAUTHENTICATED, "WRONG_PASSWORD")
        self.disabled.add(account.username)
        for token, (owner, _) in list(self.tokens.items()):
            if owner.account_id == account.account_id:
                del self.tokens[token]
        if self.after_deletion_start is not None:
            self.after_deletion_start(account.username)
        return auth_pb2.StartAccountDeletionResponse(account_id=account.account_id)

    async def FinishAccountDeletion(self, request, context):
        await self._enter(context)
        found = [
            name for name, (_, account) in self.accounts.items() if account.account_id == request.account_id
        ]
        if not found:
            return auth_pb2.FinishAccountDeletionResponse()
        if found[0] not in self.disabled:
            await auth_abort(context, grpc.StatusCode.FAILED_PRECONDITION, "ACCOUNT_NOT_DISABLED")
        del self.accounts[found[0]]
        self.disabled.discard(found[0])
        self.files.pop(request.account_id, None)
        return auth_pb2.FinishAccountDeletionResponse()

    async def RecordAccountFiles(self, request, context):
        await self._enter(context)
        account, _ = await self._account_of(request.access_token, context)
        if self.record_failure is not None:
            await context.abort(self.record_failure, "auth cannot record files now")
        self.recorded.extend((account.account_id, file) for file in request.files)
        return auth_pb2.RecordAccountFilesResponse()


@dataclass
class StoredBlob:
    info: files_pb2.FileInfo
    delete_key: str
    data: bytes


class ItemRefused(Exception):
    def __init__(self, refusal: files_pb2.UploadRefusal | auth_pb2.ListingRefusal) -> None:
        self.refusal = refusal


class BatchedItemContext:
    """An item of a batch call (UploadWholeFiles, ListAccountFilesBatch) as the call of one item sees
    its call: its request id, and its abort made the refusal (a `refusal_type`) of that item alone."""

    def __init__(
        self, request_id: str, refusal_type: type[files_pb2.UploadRefusal | auth_pb2.ListingRefusal]
    ) -> None:
        self._request_id = request_id
        self._refusal_type = refusal_type

    def invocation_metadata(self):
        return (("x-request-id", self._request_id),) if self._request_id else ()

    async def abort(self, code: grpc.StatusCode, details: str, trailing_metadata=()) -> None:
        refusal = self._refusal_type(code=code.value[0], message=details)
        for key, value in trailing_metadata:
            if key == "grpc-status-details-bin":
                for detail in status_pb2.Status.FromString(value).details:
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    refusal.reason = info.reason
                    refusal.facts.update(info.metadata)
        raise ItemRefused(refusal)


@dataclass
class FakeFilesService(files_pb2_grpc.FilesServiceServicer):
    """Keeps files in memory (or, with `discard`, only counts their bytes)."""

    max_file_bytes: int = 1 << 40
    discard: bool = False
    storage_full: bool = False
    blocked_sha256: set[str] = field(default_factory=set)  # as an operator's `admin block` makes them
    on_uploaded: Callable[[str, files_pb2.FileInfo, str], None] | None = None
    blobs: dict[str, StoredBlob] = field(default_factory=dict)
    chunks_received: int = 0
    cancelled_uploads: int = 0
    upload_cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    read_requests: list[files_pb2.ReadFileRequest] = field(default_factory=list)
    read_cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    vanish_before_read: bool = False
    request_ids: list[str | None] = field(default_factory=list)
    # None: answers GetDownloadUrl as a service on local disk does (DOWNLOAD_URL_UNSUPPORTED).
    download_url_base: str | None = None
    # As a files service that predates GetDownloadUrl answers it.
    download_urls_unimplemented: bool = False
    download_url_requests: list[files_pb2.GetDownloadUrlRequest] = field(default_factory=list)
    # Alive (it answers pings) but stuck: "upload" takes the metadata and then no message, "answer" takes
    # the whole upload and never answers, "download" sends nothing, "rest" sends the first chunk only.
    stall: str | None = None
    # A pause before each chunk of a download.
    read_delay_seconds: float = 0.0
    # As a files service that predates ReadFile's with_info answers it: bytes only.
    read_without_info: bool = False
    # Each owned file's account (as ClaimFiles and owned uploads set it).
    owners: dict[str, str] = field(default_factory=dict)
    claim_requests: list[files_pb2.ClaimFilesRequest] = field(default_factory=list)
    # Each account's limits, enforced as files does at the start of an upload (0: none).
    quota_bytes: int = 0
    quota_files: int = 0
    upload_metadata: list[files_pb2.UploadMetadata] = field(default_factory=list)
    count_requests: list[str] = field(default_factory=list)
    # As a files service that predates GetFileLimits answers it.
    limits_unimplemented: bool = False
    limits_requests: list[list[str]] = field(default_factory=list)
    # As a files service that predates UploadWholeFiles answers it.
    batches_unimplemented: bool = False
    batch_sizes: list[int] = field(default_factory=list)
    # A pause before storing each whole file: uploads finished meanwhile wait for the call out.
    whole_upload_delay_seconds: float = 0.0

    async def UploadFile(self, request_iterator, context):
        self.request_ids.append(request_id_of(context))
        try:
            return await self._upload(request_iterator, context)
        except asyncio.CancelledError:
            self.cancelled_uploads += 1
            self.upload_cancelled.set()
            raise

    async def UploadWholeFile(self, request, context):
        self.request_ids.append(request_id_of(context))
        try:
            return await self._upload_whole(request, context)
        except asyncio.CancelledError:
            self.cancelled_uploads += 1
            self.upload_cancelled.set()
            raise

    async def UploadWholeFiles(self, request, context):
        """As files answers it: each upload on its own, a refusal as the status UploadWholeFile ends with."""
        if self.batches_unimplemented:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
        self.batch_sizes.append(len(request.uploads))
        outcomes = await asyncio.gather(*(self._upload_batched(upload) for upload in request.uploads))
        return files_pb2.UploadWholeFilesResponse(outcomes=outcomes)

    async def _upload_batched(self, upload: files_pb2.BatchedUpload) -> files_pb2.UploadOutcome:
        try:
            context = BatchedItemContext(upload.request_id, files_pb2.UploadRefusal)
            uploaded = await self.UploadWholeFile(upload.file, context)
        except ItemRefused as refused:
            return files_pb2.UploadOutcome(refused=refused.refusal)
        return files_pb2.UploadOutcome(uploaded=uploaded)

    async def _upload_whole(self, request, context) -> files_pb2.UploadFileResponse:
        if self.stall in ("upload", "answer"):
            await asyncio.sleep(STALL_SECONDS)
        await asyncio.sleep(self.whole_upload_delay_seconds)
        self.upload_metadata.append(request.metadata)
        ext = self._extension(request.metadata.user_filename)
        if not ext:
            await files_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "BAD_EXTENSION")
        await self._refuse_past_quota(request.metadata, _no_more_messages(), context)
        data = request.content
        self.chunks_received += 1 if data else 0
        if len(data) > self.max_file_bytes:
            await files_abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE")
        if self.storage_full:
            await files_abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, "STORAGE_FULL")
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.blocked_sha256:
            await files_abort(context, grpc.StatusCode.PERMISSION_DENIED, "CONTENT_BLOCKED")
        return self._store(request.metadata, ext, len(data), digest, b"" if self.discard else data)

    async def _upload(self, request_iterator, context) -> files_pb2.UploadFileResponse:
        first = await anext(aiter(request_iterator))
        if self.stall == "upload":
            await asyncio.sleep(STALL_SECONDS)
        if first.WhichOneof("payload") != "metadata":
            await self._refuse(request_iterator, context, "METADATA_MISSING")
        self.upload_metadata.append(first.metadata)
        ext = self._extension(first.metadata.user_filename)
        if not ext:
            await self._refuse(request_iterator, context, "BAD_EXTENSION")
        await self._refuse_past_quota(first.metadata, request_iterator, context)
        size, digest, data = await self._receive(request_iterator, context)
        if self.stall == "answer":
            await asyncio.sleep(STALL_SECONDS)
        if self.storage_full:
            await files_abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, "STORAGE_FULL")
        if digest in self.blocked_sha256:
            await files_abort(context, grpc.StatusCode.PERMISSION_DENIED, "CONTENT_BLOCKED")
        return self._store(first.metadata, ext, size, digest, data)

    @staticmethod
    async def _refuse(request_iterator, context, reason: str) -> None:
        """As the real service does: takes the rest of the upload, then refuses it (grpc/grpc#36066)."""
        async for _ in request_iterator:
            pass
        await files_abort(context, grpc.StatusCode.INVALID_ARGUMENT, reason)

    def usage_of(self, owner_account_id: str) -> tuple[int, int]:
        owned = [
            self.blobs[url]
            for url, owner in self.owners.items()
            if owner == owner_account_id and url in self.blobs
        ]
        return len(owned), sum(blob.info.size for blob in owned)

    async def _refuse_past_quota(self, metadata, request_iterator, context) -> None:
        if not metadata.owner_account_id:
            return
        files, used = self.usage_of(metadata.owner_account_id)
        for reason, limit, past in (
            ("QUOTA_FILES_EXCEEDED", self.quota_files, files + 1),
            ("QUOTA_BYTES_EXCEEDED", self.quota_bytes, used + metadata.size_bound),
        ):
            if limit and past > limit:
                async for _ in request_iterator:
                    pass
                await abort_with_reason(
                    context, grpc.StatusCode.RESOURCE_EXHAUSTED, reason, FILES_DOMAIN, {"limit": str(limit)}
                )

    def _over_quota(self, owner_account_id: str, size: int) -> bool:
        files, used = self.usage_of(owner_account_id)
        return bool(
            (self.quota_files and files + 1 > self.quota_files)
            or (self.quota_bytes and used + size > self.quota_bytes)
        )

    async def DeleteAccountFiles(self, request, context):
        if not request.owner_account_id:
            await files_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "FILES_ERROR_REASON_UNSPECIFIED")
        owned = [url for url, owner in self.owners.items() if owner == request.owner_account_id]
        deleted = [url for url in owned if self.blobs.pop(url, None) is not None]
        for url in owned:
            del self.owners[url]
        return files_pb2.DeleteAccountFilesResponse(deleted_files=len(deleted))

    async def GetAccountUsage(self, request, context):
        if not request.owner_account_id:
            await files_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "FILES_ERROR_REASON_UNSPECIFIED")
        files, used = self.usage_of(request.owner_account_id)
        return files_pb2.GetAccountUsageResponse(
            files=files,
            bytes=used,
            quota_bytes=self.quota_bytes or None,
            quota_files=self.quota_files or None,
        )

    @staticmethod
    def _extension(user_filename: str) -> str:
        stem, dot, ext = user_filename.rpartition(".")
        return f".{ext.lower()}" if dot and stem and ext else ""

    async def _receive(self, request_iterator, context) -> tuple[int, str, bytes]:  # noqa: RET503 (aborts)
        size, digest, data = 0, hashlib.sha256(), bytearray()
        async for message in request_iterator:
            if message.WhichOneof("payload") == "complete" and message.complete.size == size:
                return size, digest.hexdigest(), bytes(data)
            self.chunks_received += 1
            size += len(message.chunk)
            if size > self.max_file_bytes:
                await files_abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED, "FILE_TOO_LARGE")
            digest.update(message.chunk)
            if not self.discard:
                data += message.chunk
        # A cancelled call can reach the handler as the end of its stream: without `complete`, keep nothing.
        self.cancelled_uploads += 1
        self.upload_cancelled.set()
        await files_abort(context, grpc.StatusCode.INVALID_ARGUMENT, "UPLOAD_INCOMPLETE")

    def _store(self, metadata, ext: str, size: int, digest: str, data: bytes) -> files_pb2.UploadFileResponse:
        file_url = uuid.uuid4().hex[:10] + (ext if metadata.include_ext else "")
        info = files_pb2.FileInfo(
            file_url=file_url, ext=ext, user_filename=metadata.user_filename, size=size, sha256=digest
        )
        info.created_at.FromDatetime(CREATED_AT)
        if metadata.HasField("expires_in_seconds"):
            info.expires_at.FromDatetime(datetime.now(UTC) + timedelta(seconds=metadata.expires_in_seconds))
        if metadata.HasField("max_downloads"):
            info.max_downloads = info.downloads_left = metadata.max_downloads
        delete_key = str(uuid.uuid4())
        self.blobs[file_url] = StoredBlob(info, delete_key, data)
        if metadata.owner_account_id:
            self.owners[file_url] = metadata.owner_account_id
        if metadata.owner_account_id and self.on_uploaded:
            self.on_uploaded(metadata.owner_account_id, info, delete_key)
        return files_pb2.UploadFileResponse(
            file=info, delete_key=delete_key, owner_account_id=metadata.owner_account_id
        )

    def put(self, name: str, data: bytes) -> files_pb2.FileInfo:
        """Stores a file directly (as if uploaded) and returns its info."""
        metadata = files_pb2.UploadMetadata(user_filename=name)
        digest = hashlib.sha256(data).hexdigest()
        return self._store(metadata, self._extension(name), len(data), digest, data).file

    async def _blob(self, file_url: str, context) -> StoredBlob:
        if file_url not in self.blobs:
            await files_abort(context, grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND")
        return self.blobs[file_url]

    async def CountDownload(self, request, context):
        self.count_requests.append(request.file_url)
        info = (await self._blob(request.file_url, context)).info
        if not info.HasField("max_downloads"):
            return files_pb2.CountDownloadResponse()
        if info.downloads_left == 0:
            await files_abort(context, grpc.StatusCode.NOT_FOUND, "FILE_NOT_FOUND")
        info.downloads_left -= 1
        return files_pb2.CountDownloadResponse(downloads_left=info.downloads_left)

    async def GetFileLimits(self, request, context):
        self.limits_requests.append(list(request.file_urls))
        if self.limits_unimplemented:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
        limits, gone = [], []
        for file_url in request.file_urls:
            info = self.blobs[file_url].info if file_url in self.blobs else None
            if info is None or not (info.HasField("expires_at") or info.HasField("max_downloads")):
                continue
            if info.HasField("max_downloads") and info.downloads_left == 0:
                gone.append(file_url)
                continue
            message = files_pb2.FileLimits(file_url=file_url)
            if info.HasField("expires_at"):
                message.expires_at.CopyFrom(info.expires_at)
            if info.HasField("max_downloads"):
                message.max_downloads, message.downloads_left = info.max_downloads, info.downloads_left
            limits.append(message)
        return files_pb2.GetFileLimitsResponse(files=limits, gone=gone)

    async def GetFileInfo(self, request, context):
        self.request_ids.append(request_id_of(context))
        return files_pb2.GetFileInfoResponse(file=(await self._blob(request.file_url, context)).info)

    async def ReadFile(self, request, context):
        self.read_requests.append(request)
        self.request_ids.append(request_id_of(context))
        if self.vanish_before_read:
            self.blobs.pop(request.file_url, None)
        blob = await self._blob(request.file_url, context)
        end = request.offset + request.length if request.HasField("length") else len(blob.data)
        if self.read_without_info:
            request = files_pb2.ReadFileRequest(
                file_url=request.file_url,
                offset=request.offset,
                length=request.length if request.HasField("length") else None,
            )
        if request.with_info and len(blob.data) <= request.inline_up_to:
            await context.write(files_pb2.ReadFileResponse(chunk=blob.data, info=blob.info, inline=True))
            return
        if request.with_info:
            await context.write(files_pb2.ReadFileResponse(info=blob.info))
        try:
            for start in range(request.offset, end, READ_CHUNK):
                if self.stall == "download" or (self.stall == "rest" and start > request.offset):
                    await asyncio.sleep(STALL_SECONDS)
                await asyncio.sleep(self.read_delay_seconds)
                chunk = blob.data[start : min(end, start + READ_CHUNK)]
                await context.write(files_pb2.ReadFileResponse(chunk=chunk))
        except asyncio.CancelledError:
            self.read_cancelled.set()
            raise

    async def GetDownloadUrl(self, request, context):
        self.download_url_requests.append(request)
        if self.download_urls_unimplemented:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
        if self.download_url_base is None:
            await files_abort(context, grpc.StatusCode.FAILED_PRECONDITION, "DOWNLOAD_URL_UNSUPPORTED")
        await self._blob(request.file_url, context)
        url = f"{self.download_url_base}/{request.file_url}?X-Amz-Signature=s"
        return files_pb2.GetDownloadUrlResponse(url=url)

    async def ClaimFiles(self, request, context):
        """As the real service decides: the key first, then whose the file is."""
        self.claim_requests.append(request)
        outcomes = []
        for item in request.items:
            blob, owner = self.blobs.get(item.file_url), self.owners.get(item.file_url, "")
            outcome = files_pb2.ClaimOutcome(file_url=item.file_url)
            if blob is None:
                outcome.result = files_pb2.UNKNOWN_FILE
            elif item.delete_key != blob.delete_key:
                outcome.result = files_pb2.WRONG_KEY
            elif owner and owner != request.owner_account_id:
                outcome.result = files_pb2.OWNED_BY_ANOTHER_ACCOUNT
            elif not owner and self._over_quota(request.owner_account_id, blob.info.size):
                outcome.result = files_pb2.OVER_QUOTA
            else:
                outcome.result = files_pb2.ALREADY_YOURS if owner else files_pb2.CLAIMED
                self.owners[item.file_url] = request.owner_account_id
                outcome.file.CopyFrom(blob.info)
                outcome.delete_key = blob.delete_key
            outcomes.append(outcome)
        return files_pb2.ClaimFilesResponse(outcomes=outcomes)

    async def DeleteFile(self, request, context):
        blob = await self._blob(request.file_url, context)
        if request.delete_key != blob.delete_key:
            await files_abort(context, grpc.StatusCode.PERMISSION_DENIED, "INVALID_DELETE_KEY")
        del self.blobs[request.file_url]
        return files_pb2.DeleteFileResponse()


class AuthorizationRecorder(grpc.aio.ServerInterceptor):
    """Notes the `authorization` metadata each call to the fake carries (None: none)."""

    def __init__(self) -> None:
        self.seen: list[str | None] = []

    async def intercept_service(self, continuation, details):
        if not details.method.startswith("/grpc.health."):
            self.seen.append(dict(details.invocation_metadata or ()).get("authorization"))
        return await continuation(details)


class FakeServer:
    """A grpc.aio server on a free port (kept across stop/start) serving one fake and grpc.health.v1;
    `authorizations` lists what each call to the fake presented as its caller's token."""

    def __init__(self, servicer, add_to_server: Callable) -> None:
        self.servicer = servicer
        self._add_to_server = add_to_server
        self._server: grpc.aio.Server | None = None
        self._recorder = AuthorizationRecorder()
        self.port = 0

    @property
    def authorizations(self) -> list[str | None]:
        return self._recorder.seen

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> "FakeServer":
        self._server = grpc.aio.server(interceptors=[self._recorder], options=PINGS_PERMITTED)
        self._add_to_server(self.servicer, self._server)
        health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), self._server)
        self.port = self._server.add_insecure_port(f"127.0.0.1:{self.port}")
        await self._server.start()
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None


@pytest.fixture
async def fake_auth() -> AsyncIterator[FakeServer]:
    server = await FakeServer(FakeAuthService(), auth_pb2_grpc.add_AuthServiceServicer_to_server).start()
    yield server
    await server.stop()


@pytest.fixture
async def fake_files(fake_auth: FakeServer) -> AsyncIterator[FakeServer]:
    servicer = FakeFilesService(on_uploaded=fake_auth.servicer.record_upload)
    server = await FakeServer(servicer, files_pb2_grpc.add_FilesServiceServicer_to_server).start()
    yield server
    await server.stop()
