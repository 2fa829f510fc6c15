"""UploadFile's requests as they go on the wire. A chunk message is encoded straight from the parts
of the body it is made of, in one copy: building an UploadFileRequest would copy the bytes into the
message and again into its serialisation. What it encodes is exactly what protobuf would."""
from collections.abc import Sequence

from fileuploader.files.v1 import files_pb2

_LENGTH_DELIMITED = 2
_CHUNK_TAG = bytes([files_pb2.UploadFileRequest.DESCRIPTOR.fields_by_name["chunk"].number << 3
                    | _LENGTH_DELIMITED])

UploadFileRequestBytes = bytes


def encoded_chunk(parts: Sequence[memoryview | bytes]) -> UploadFileRequestBytes:
    """The serialised UploadFileRequest(chunk=b"".join(parts))."""
    size = sum(len(part) for part in parts)
    return b"".join((_CHUNK_TAG, _varint(size), *parts))


def serialized(request: files_pb2.UploadFileRequest | UploadFileRequestBytes) -> bytes:
    """UploadFile's request serialiser: a message, or a request already encoded."""
    if isinstance(request, bytes):
        return request
    return request.SerializeToString()


def _varint(value: int) -> bytes:
    encoded = bytearray()
    while value > 0x7F:
        encoded.append(value & 0x7F | 0x80)
        value >>= 7
    encoded.append(value)
    return bytes(encoded)
