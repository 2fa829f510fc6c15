"""ReadFile's answers read without protobuf's copies read exactly as protobuf reads them."""

import pytest
from google.protobuf.message import DecodeError

from fileuploader.files.v1 import files_pb2
from gateway.clients.read_messages import read_message_of


def protobuf_reading(data: bytes) -> tuple[bytes, files_pb2.FileInfo | None, bool]:
    response = files_pb2.ReadFileResponse.FromString(data)
    return response.chunk, response.info if response.HasField("info") else None, response.inline


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16_383, 16_384, 512 * 1024, 2 * 1024 * 1024 + 3])
def test_a_chunk_alone_is_a_view_of_the_received_bytes(size: int) -> None:
    chunk = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    data = files_pb2.ReadFileResponse(chunk=chunk).SerializeToString()

    message = read_message_of(data)

    assert (bytes(message.chunk), message.info, message.inline) == protobuf_reading(data)
    if size:
        assert isinstance(message.chunk, memoryview) and message.chunk.obj is data


@pytest.mark.parametrize(
    "response",
    [
        files_pb2.ReadFileResponse(info=files_pb2.FileInfo(file_url="abc", size=3)),
        files_pb2.ReadFileResponse(
            chunk=b"abc", info=files_pb2.FileInfo(file_url="abc", size=3), inline=True
        ),
        files_pb2.ReadFileResponse(chunk=b"abc", inline=True),
    ],
)
def test_any_other_answer_reads_as_protobuf_reads_it(response: files_pb2.ReadFileResponse) -> None:
    data = response.SerializeToString()
    message = read_message_of(data)
    assert (bytes(message.chunk), message.info, message.inline) == protobuf_reading(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x0a\x05abc",  # the chunk's length runs past the end
        b"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",  # a varint longer than ten bytes
    ],
)
def test_what_protobuf_cannot_read_is_refused_alike(data: bytes) -> None:
    with pytest.raises(DecodeError):
        files_pb2.ReadFileResponse.FromString(data)
    with pytest.raises(DecodeError):
        read_message_of(data)


def test_a_chunk_followed_by_another_field_is_parsed() -> None:
    data = b"\x0a\x03abc" + files_pb2.ReadFileResponse(inline=True).SerializeToString()
    message = read_message_of(data)
    assert (bytes(message.chunk), message.inline) == (b"abc", True)
