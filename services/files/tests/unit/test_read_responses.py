"""ReadFile's chunk answers encoded without protobuf are exactly what protobuf encodes."""

import pytest

from files_service.entrypoints.read_responses import chunk_response, serialized_read_response
from fileuploader.files.v1 import files_pb2


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16_383, 16_384, 512 * 1024, 2 * 1024 * 1024 + 3])
def test_a_chunk_answer_is_encoded_as_protobuf_encodes_it(size: int) -> None:
    chunk = bytes(range(256)) * (size // 256) + bytes(size % 256)
    expected = files_pb2.ReadFileResponse(chunk=chunk).SerializeToString()
    assert chunk_response(chunk) == expected
    assert serialized_read_response(chunk_response(chunk)) == expected
    assert files_pb2.ReadFileResponse.FromString(chunk_response(chunk)).chunk == chunk


def test_a_message_is_serialised_by_protobuf() -> None:
    message = files_pb2.ReadFileResponse(chunk=b"abc", info=files_pb2.FileInfo(file_url="x"), inline=True)
    assert serialized_read_response(message) == message.SerializeToString()
