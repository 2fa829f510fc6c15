import pytest

from fileuploader.files.v1 import files_pb2
from gateway.clients.upload_messages import encoded_chunk, encoded_whole_file, serialized


@pytest.mark.parametrize("size", [0, 1, 127, 128, 16_383, 16_384, 1024 * 1024, 1024 * 1024 + 5, 2_097_151])
def test_a_chunk_encoded_from_parts_is_what_protobuf_makes_of_the_joined_bytes(size):
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    view = memoryview(data)
    parts = [view[: size // 3], view[size // 3 : size // 2], data[size // 2 :]]

    encoded = encoded_chunk(parts)

    assert encoded == files_pb2.UploadFileRequest(chunk=data).SerializeToString()
    assert files_pb2.UploadFileRequest.FromString(encoded).chunk == data


def test_the_serializer_passes_encoded_requests_through_and_serializes_messages():
    metadata = files_pb2.UploadFileRequest(metadata=files_pb2.UploadMetadata(user_filename="a.txt"))
    encoded = encoded_chunk([b"abc"])

    assert serialized(encoded) is encoded
    assert serialized(metadata) == metadata.SerializeToString()


@pytest.mark.parametrize("size", [0, 1, 127, 128, 65_536, 512 * 1024])
@pytest.mark.parametrize(
    "metadata",
    [
        files_pb2.UploadMetadata(),
        files_pb2.UploadMetadata(
            user_filename="clip.mp4",
            include_ext=True,
            owner_account_id="acc",
            idempotency_key="k" * 255,
            idempotency_scope="account:acc",
        ),
    ],
    ids=["empty-metadata", "full-metadata"],
)
def test_a_whole_file_encoded_from_parts_is_what_protobuf_makes_of_it(size, metadata):
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    view = memoryview(data)
    parts = [view[: size // 3], data[size // 3 :]]

    encoded = encoded_whole_file(metadata, parts)

    assert encoded == files_pb2.UploadWholeFileRequest(metadata=metadata, content=data).SerializeToString()
    decoded = files_pb2.UploadWholeFileRequest.FromString(encoded)
    assert decoded.content == data and decoded.metadata == metadata and decoded.HasField("metadata")
