"""Upload requests as they go on the wire, encoded straight from the parts of the body the bytes are
made of, in one copy: building a protobuf message would copy the bytes into the message and again
into its serialisation. What they encode is exactly what protobuf would."""

from collections.abc import Sequence

from google.protobuf.message import Message

from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.protobuf_wire import field_tag, varint


def _tag(message: type[Message], field: str) -> bytes:
    return bytes((field_tag(message, field),))


_CHUNK_TAG = _tag(files_pb2.UploadFileRequest, "chunk")
_WHOLE_METADATA_TAG = _tag(files_pb2.UploadWholeFileRequest, "metadata")
_WHOLE_CONTENT_TAG = _tag(files_pb2.UploadWholeFileRequest, "content")

EncodedRequest = bytes


def encoded_chunk(parts: Sequence[memoryview | bytes]) -> EncodedRequest:
    """The serialised UploadFileRequest(chunk=b"".join(parts))."""
    size = sum(len(part) for part in parts)
    return b"".join((_CHUNK_TAG, varint(size), *parts))


def encoded_whole_file(
    metadata: files_pb2.UploadMetadata, parts: Sequence[memoryview | bytes]
) -> EncodedRequest:
    """The serialised UploadWholeFileRequest(metadata=metadata, content=b"".join(parts))."""
    encoded_metadata = metadata.SerializeToString()
    size = sum(len(part) for part in parts)
    content = (_WHOLE_CONTENT_TAG, varint(size), *parts) if size else ()
    return b"".join((_WHOLE_METADATA_TAG, varint(len(encoded_metadata)), encoded_metadata, *content))


def serialized(request: Message | EncodedRequest) -> bytes:
    """An upload request serialiser: a message, or a request already encoded."""
    if isinstance(request, bytes):
        return request
    return request.SerializeToString()
