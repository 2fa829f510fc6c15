"""ReadFile's answers as the server sends them. A message of bytes alone (all but the first of a
download's) is encoded without protobuf, from the chunk read off the disk in one copy; the first one,
with the file's metadata, is a protobuf message."""

from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.protobuf_wire import encoded_lone_field, field_tag

_CHUNK_TAG = field_tag(files_pb2.ReadFileResponse, "chunk")

EncodedResponse = bytes


def chunk_response(chunk: bytes) -> EncodedResponse:
    """The serialised ReadFileResponse(chunk=chunk)."""
    return encoded_lone_field(_CHUNK_TAG, (chunk,))


def serialized_read_response(response: files_pb2.ReadFileResponse | EncodedResponse) -> bytes:
    """ReadFile's response serializer: a message, or an answer already encoded."""
    if isinstance(response, bytes):
        return response
    return response.SerializeToString()
