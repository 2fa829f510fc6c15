"""UploadFile's requests read without protobuf's copies read exactly as protobuf reads them."""

import grpc
import pytest
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from files_service.entrypoints.handlers import add_files_servicer_to_server, method_handlers
from files_service.entrypoints.read_responses import serialized_read_response
from files_service.entrypoints.upload_requests import UploadMessage, upload_message_of
from fileuploader.files.v1 import files_pb2, files_pb2_grpc

CHUNK_TAG = b"\x12"


def protobuf_reading(data: bytes) -> UploadMessage:
    request = files_pb2.UploadFileRequest.FromString(data)
    kind = request.WhichOneof("payload")
    return UploadMessage(
        kind,
        request.chunk,
        request.metadata if kind == "metadata" else None,
        request.complete.size,
    )


def same_reading(data: bytes) -> None:
    try:
        expected = protobuf_reading(data)
    except DecodeError:
        with pytest.raises(DecodeError):
            upload_message_of(data)
        return
    got = upload_message_of(data)
    assert got.kind == expected.kind
    assert bytes(got.chunk) == expected.chunk
    assert got.metadata == expected.metadata
    assert got.completed_size == (expected.completed_size if got.kind == "complete" else 0)


def non_minimal_varint(value: int, extra_bytes: int) -> bytes:
    encoded = bytearray()
    while value > 0x7F:
        encoded.append(value & 0x7F | 0x80)
        value >>= 7
    encoded += bytes([value | 0x80] + [0x80] * (extra_bytes - 1) + [0x00]) if extra_bytes else bytes([value])
    return bytes(encoded)


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16_383, 16_384, 512 * 1024, 2 * 1024 * 1024 + 3])
def test_a_chunk_is_read_byte_for_byte_as_a_view_of_the_received_buffer(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data = files_pb2.UploadFileRequest(chunk=payload).SerializeToString()

    message = upload_message_of(data)

    assert message.kind == "chunk"
    assert bytes(message.chunk) == payload
    if size:
        assert isinstance(message.chunk, memoryview) and message.chunk.readonly
        assert message.chunk.obj is data  # not a copy
    same_reading(data)


@pytest.mark.parametrize(
    "message",
    [
        files_pb2.UploadFileRequest(),
        files_pb2.UploadFileRequest(
            metadata=files_pb2.UploadMetadata(
                user_filename="clip.mp4",
                include_ext=True,
                owner_account_id="acc",
                idempotency_key="k",
                idempotency_scope="account:acc",
            )
        ),
        files_pb2.UploadFileRequest(complete=files_pb2.UploadComplete(size=123_456_789)),
        files_pb2.UploadFileRequest(complete=files_pb2.UploadComplete()),
    ],
    ids=["empty", "metadata", "complete", "complete-zero"],
)
def test_the_other_messages_read_as_protobuf_reads_them(message: files_pb2.UploadFileRequest) -> None:
    same_reading(message.SerializeToString())


@pytest.mark.parametrize(
    "data",
    [
        CHUNK_TAG + non_minimal_varint(3, 2) + b"abc",  # a length protobuf reads though it is not minimal
        CHUNK_TAG + b"\x03abc" + CHUNK_TAG + b"\x02de",  # two chunks: the last one wins
        CHUNK_TAG + b"\x03abc" + b"\x1a\x02\x08\x05",  # a chunk then a completion: the completion wins
        CHUNK_TAG + b"\x03abc" + b"\x20\x01",  # an unknown field after the chunk
        CHUNK_TAG + b"\x05abc",  # a chunk shorter than its length
        CHUNK_TAG + b"\x80",  # a length that never ends
        CHUNK_TAG + b"\xff" * 11 + b"\x01",  # a length longer than a varint may be
        CHUNK_TAG,
    ],
    ids=[
        "non-minimal-length",
        "two-chunks",
        "chunk-then-complete",
        "unknown-field",
        "truncated",
        "unended-length",
        "overlong-length",
        "tag-only",
    ],
)
def test_a_chunk_encoded_otherwise_reads_as_protobuf_reads_it(data: bytes) -> None:
    same_reading(data)


@settings(deadline=None)  # a shared, loaded machine: a slow example is no failure
@given(st.binary(max_size=64))
def test_any_bytes_read_as_protobuf_reads_them(data: bytes) -> None:
    same_reading(data)


@settings(deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=8))
def test_any_chunk_followed_by_anything_reads_as_protobuf_reads_it(chunk: bytes, tail: bytes) -> None:
    same_reading(files_pb2.UploadFileRequest(chunk=chunk).SerializeToString() + tail)


class RecordingServer:
    def __init__(self) -> None:
        self.registered: dict[str, dict[str, grpc.RpcMethodHandler]] = {}
        self.generic: list[object] = []

    def add_generic_rpc_handlers(self, handlers: tuple[object, ...]) -> None:
        self.generic.extend(handlers)

    def add_registered_method_handlers(
        self, service: str, handlers: dict[str, grpc.RpcMethodHandler]
    ) -> None:
        self.registered[service] = handlers


def test_every_method_is_served_as_the_stub_serves_it_but_uploads_requests_and_reads_answers() -> None:
    servicer = files_pb2_grpc.FilesServiceServicer()
    generated, ours = RecordingServer(), RecordingServer()
    files_pb2_grpc.add_FilesServiceServicer_to_server(servicer, generated)
    add_files_servicer_to_server(servicer, ours)

    service = "fileuploader.files.v1.FilesService"
    assert ours.registered.keys() == generated.registered.keys() == {service}
    assert len(ours.generic) == 1
    expected, got = generated.registered[service], ours.registered[service]
    assert got.keys() == expected.keys()
    for name, handler in got.items():
        wanted = expected[name]
        assert (handler.request_streaming, handler.response_streaming) == (
            wanted.request_streaming,
            wanted.response_streaming,
        ), name
        if name == "ReadFile":
            assert handler.response_serializer is serialized_read_response
        else:
            assert handler.response_serializer == wanted.response_serializer, name
        implementation = next(
            filter(
                None, (handler.unary_unary, handler.unary_stream, handler.stream_unary, handler.stream_stream)
            )
        )
        assert implementation == getattr(servicer, name), name
        if name == "UploadFile":
            assert handler.request_deserializer is upload_message_of
        else:
            assert handler.request_deserializer == wanted.request_deserializer, name
    assert method_handlers(servicer).keys() == expected.keys()
