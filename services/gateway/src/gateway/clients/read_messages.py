"""ReadFile's answers as the gateway reads them. A message of bytes alone (all but the first of a
download's) is read without protobuf: its chunk is a view into the buffer gRPC received, where parsing
it would copy the bytes into the message and reading its `chunk` field would copy them again. Any other
message is parsed by protobuf, so both read the same bytes alike."""

from dataclasses import dataclass

from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.protobuf_wire import field_tag, lone_field

_CHUNK_TAG = field_tag(files_pb2.ReadFileResponse, "chunk")


@dataclass(frozen=True, slots=True)
class ReadMessage:
    """`chunk` is read-only; `info` is None when the message carries none."""

    chunk: memoryview | bytes = b""
    info: files_pb2.FileInfo | None = None
    inline: bool = False


def read_message_of(data: bytes) -> ReadMessage:
    """ReadFile's response deserializer: `data` as protobuf reads a ReadFileResponse (DecodeError for
    what it cannot read)."""
    chunk = lone_field(data, _CHUNK_TAG)
    if chunk is not None:
        return ReadMessage(chunk)
    response = files_pb2.ReadFileResponse.FromString(data)
    return ReadMessage(response.chunk, response.info if response.HasField("info") else None, response.inline)
