"""A stand-in for the files service's FilesService on a real grpc.aio server: owned files in a dict."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from fileuploader.files.v1 import files_pb2, files_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]


def owned_file(
    file_url: str, owner: str, created_at: datetime, user_filename: str = ""
) -> files_pb2.OwnedFile:
    created = Timestamp()
    created.FromDatetime(created_at)
    info = files_pb2.FileInfo(
        file_url=file_url,
        ext=".txt",
        user_filename=user_filename or f"{file_url}.txt",
        size=len(file_url),
        sha256="0" * 64,
        created_at=created,
    )
    return files_pb2.OwnedFile(file=info, owner_account_id=owner, delete_key=f"key-{file_url}")


class FakeFilesServicer(files_pb2_grpc.FilesServiceServicer):
    """Streams `owned` by file_url, `per_message` a message; RepublishFileEvents calls `on_republish`."""

    def __init__(self) -> None:
        self.owned: dict[str, files_pb2.OwnedFile] = {}
        self.per_message = 2
        self.republish_requests: list[list[str]] = []
        self.request_ids: list[str] = []
        self.on_republish: Callable[[files_pb2.OwnedFile], Awaitable[None]] | None = None

    async def ListOwnedFiles(
        self, request: files_pb2.ListOwnedFilesRequest, context: Context
    ) -> AsyncIterator[files_pb2.ListOwnedFilesResponse]:
        self._note_request_id(context)
        files = [self.owned[file_url] for file_url in sorted(self.owned)]
        for start in range(0, len(files), self.per_message):
            yield files_pb2.ListOwnedFilesResponse(files=files[start : start + self.per_message])

    async def RepublishFileEvents(
        self, request: files_pb2.RepublishFileEventsRequest, context: Context
    ) -> files_pb2.RepublishFileEventsResponse:
        self._note_request_id(context)
        self.republish_requests.append(list(request.file_urls))
        known = [file_url for file_url in request.file_urls if file_url in self.owned]
        for file_url in known:
            if self.on_republish is not None:
                await self.on_republish(self.owned[file_url])
        unknown = [file_url for file_url in request.file_urls if file_url not in self.owned]
        return files_pb2.RepublishFileEventsResponse(republished=len(known), unknown_file_urls=unknown)

    def _note_request_id(self, context: Context) -> None:
        self.request_ids.append(dict(context.invocation_metadata() or ()).get("x-request-id", ""))


class FakeFilesServer:
    def __init__(self) -> None:
        self.servicer = FakeFilesServicer()
        self._server = grpc.aio.server()
        self.address = ""

    async def start(self) -> None:
        files_pb2_grpc.add_FilesServiceServicer_to_server(self.servicer, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        self.address = f"127.0.0.1:{port}"

    async def stop(self) -> None:
        await self._server.stop(grace=0)
