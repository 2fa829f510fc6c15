"""Small helpers for calling the files service through its generated stub."""

import asyncio

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select

from files_service.adapters.tables import files_table, outbox_table
from files_service.bootstrap import Application
from fileuploader.files.v1 import files_pb2, files_pb2_grpc

TEST_MAX_FILE_SIZE = 64 * 1024


def metadata_request(name: str, include_ext: bool = False, owner: str = "") -> files_pb2.UploadFileRequest:
    metadata = files_pb2.UploadMetadata(user_filename=name, include_ext=include_ext, owner_account_id=owner)
    return files_pb2.UploadFileRequest(metadata=metadata)


def complete_request(size: int) -> files_pb2.UploadFileRequest:
    return files_pb2.UploadFileRequest(complete=files_pb2.UploadComplete(size=size))


async def upload(
    stub: files_pb2_grpc.FilesServiceStub,
    name: str,
    *chunks: bytes,
    include_ext: bool = False,
    owner: str = "",
) -> files_pb2.UploadFileResponse:
    async def requests():
        yield metadata_request(name, include_ext, owner)
        for chunk in chunks:
            yield files_pb2.UploadFileRequest(chunk=chunk)
        yield complete_request(sum(map(len, chunks)))

    return await stub.UploadFile(requests(), timeout=10)


async def upload_whole(
    stub: files_pb2_grpc.FilesServiceStub,
    name: str,
    content: bytes,
    include_ext: bool = False,
    owner: str = "",
) -> files_pb2.UploadFileResponse:
    metadata = files_pb2.UploadMetadata(user_filename=name, include_ext=include_ext, owner_account_id=owner)
    request = files_pb2.UploadWholeFileRequest(metadata=metadata, content=content)
    return await stub.UploadWholeFile(request, timeout=10)


async def read(
    stub: files_pb2_grpc.FilesServiceStub, file_url: str, offset: int = 0, length: int | None = None
):
    request = files_pb2.ReadFileRequest(file_url=file_url, offset=offset, length=length)
    return [response.chunk async for response in stub.ReadFile(request, timeout=10)]


def error_of(error: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str, str]:
    """(code, ErrorInfo.reason, ErrorInfo.domain) of a failed call."""
    status = rpc_status.from_call(error)
    assert status is not None, f"no google.rpc.Status detail in {error!r}"
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    return error.code(), info.reason, info.domain


async def stored_state(application: Application) -> tuple[list[str], int, list[str]]:
    """(blob keys, file rows, temp data) the service keeps, as its blob store lists them."""
    keys = [key async for key in application.blob_store.iter_keys()]
    async with application.engine.connect() as connection:
        rows = (await connection.execute(select(func.count()).select_from(files_table))).scalar_one()
    temp = sorted([entry.name async for entry in application.blob_store.iter_temp()])
    return keys, rows, temp


async def outbox_size(application: Application) -> int:
    async with application.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(outbox_table))).scalar_one()


async def eventually(condition, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)
