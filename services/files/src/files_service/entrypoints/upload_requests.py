"""UploadFile's requests as the server reads them. A chunk message (all but two of an upload's) is
read without protobuf: its bytes are a view into the buffer gRPC received, where parsing the message
would copy them into it and each read of its `chunk` field would copy them again. Any other message,
or a chunk encoded in any other way, is parsed by protobuf, so both read the same bytes alike."""

from dataclasses import dataclass

from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.protobuf_wire import field_tag, lone_field

_CHUNK_TAG = field_tag(files_pb2.UploadFileRequest, "chunk")


@dataclass(frozen=True, slots=True)
class UploadMessage:
    """`kind`: which of the oneof `payload` the message holds ("metadata", "chunk", "complete"; None:
    none); `chunk` is read-only and empty unless kind is "chunk"."""

    kind: str | None
    chunk: memoryview | bytes = b""
    metadata: files_pb2.UploadMetadata | None = None
    completed_size: int = 0


def upload_message_of(data: bytes) -> UploadMessage:
    """UploadFile's request deserializer: `data` as protobuf reads an UploadFileRequest (DecodeError
    for what it cannot read)."""
    chunk = lone_field(data, _CHUNK_TAG)
    if chunk is not None:
        return UploadMessage("chunk", chunk)
    return _parsed(files_pb2.UploadFileRequest.FromString(data))


def _parsed(request: files_pb2.UploadFileRequest) -> UploadMessage:
    kind = request.WhichOneof("payload")
    if kind == "chunk":
        return UploadMessage(kind, request.chunk)
    if kind == "metadata":
        return UploadMessage(kind, metadata=request.metadata)
    if kind == "complete":
        return UploadMessage(kind, completed_size=request.complete.size)
    return UploadMessage(kind)
