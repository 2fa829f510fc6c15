"""The files service's records over gRPC, for the reconciliation of the account lists."""

import json
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from uuid import uuid4

import grpc

from auth_service.domain.list_comparison import OwnedFile
from fileuploader.files.v1 import files_pb2, files_pb2_grpc
from fileuploader_runtime.request_ids import METADATA_KEY

LIST_TIMEOUT_SECONDS = 3600.0
REPUBLISH_TIMEOUT_SECONDS = 30.0
MAX_REPUBLISHED_PER_CALL = 1000
# Calls go to every address the files service's name resolves to in turn (every pod behind a headless
# Kubernetes Service, with `dns:///files:50052`).
ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})


def open_files_channel(address: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(address, options=[("grpc.service_config", ROUND_ROBIN)])


class GrpcFilesRecords:
    """Every call carries one request id, so that the files service's logs show the reconciliation."""

    def __init__(self, channel: grpc.aio.Channel, token: str | None = None) -> None:
        """`token`: auth's own (FU_AUTH_RPC_TOKEN), by which files knows the caller is auth."""
        self._stub = files_pb2_grpc.FilesServiceStub(channel)
        credentials = (("authorization", f"Bearer {token}"),) if token else ()
        self._metadata = ((METADATA_KEY, f"reconcile-{uuid4().hex}"), *credentials)

    async def owned_files(self) -> AsyncGenerator[OwnedFile, None]:
        call = self._stub.ListOwnedFiles(
            files_pb2.ListOwnedFilesRequest(), timeout=LIST_TIMEOUT_SECONDS, metadata=self._metadata
        )
        try:
            async for response in call:
                for owned in response.files:
                    yield _owned_file(owned)
        finally:
            call.cancel()

    async def republish_uploads(self, file_urls: Sequence[str]) -> set[str]:
        unknown: set[str] = set()
        for start in range(0, len(file_urls), MAX_REPUBLISHED_PER_CALL):
            chunk = file_urls[start : start + MAX_REPUBLISHED_PER_CALL]
            response = await self._stub.RepublishFileEvents(
                files_pb2.RepublishFileEventsRequest(file_urls=chunk),
                timeout=REPUBLISH_TIMEOUT_SECONDS,
                metadata=self._metadata,
            )
            unknown.update(response.unknown_file_urls)
        return unknown


def _owned_file(owned: files_pb2.OwnedFile) -> OwnedFile:
    file = owned.file
    return OwnedFile(
        file_url=file.file_url,
        account_id=owned.owner_account_id,
        delete_key=owned.delete_key,
        ext=file.ext,
        user_filename=file.user_filename,
        size=file.size,
        created_at=file.created_at.ToDatetime(tzinfo=UTC),
        expires_at=_expiry_of(file),
        max_downloads=file.max_downloads if file.HasField("max_downloads") else None,
    )


def _expiry_of(file: files_pb2.FileInfo) -> datetime | None:
    return file.expires_at.ToDatetime(tzinfo=UTC) if file.HasField("expires_at") else None
