"""File bytes generated from a seed, and the multipart body that carries them."""

import hashlib

import pytest

from loadgen.content import BLOCK_BYTES, Content, MultipartUpload


def whole(content: Content) -> bytes:
    return b"".join(content.pieces())


def test_content_is_the_same_for_the_same_seed_and_differs_between_seeds():
    size = 3 * BLOCK_BYTES + 17
    assert whole(Content(1, size)) == whole(Content(1, size))
    assert whole(Content(1, size)) != whole(Content(2, size))
    assert len(whole(Content(1, size))) == size


@pytest.mark.parametrize(
    "start, stop",
    [(0, 1), (5, BLOCK_BYTES + 3), (BLOCK_BYTES, 2 * BLOCK_BYTES), (BLOCK_BYTES - 1, 3 * BLOCK_BYTES + 17)],
)
def test_a_range_regenerates_the_same_bytes_as_the_whole_file(start, stop):
    content = Content(9, 3 * BLOCK_BYTES + 17)
    assert b"".join(content.pieces(start, stop)) == whole(content)[start:stop]
    assert content.sha256(start, stop) == hashlib.sha256(whole(content)[start:stop]).hexdigest()


async def test_multipart_body_carries_the_file_and_hashes_it_as_it_is_sent():
    content = Content(4, BLOCK_BYTES + 100)
    upload = MultipartUpload(content, "a.bin")
    body = b"".join([chunk async for chunk in upload.stream()])
    assert len(body) == upload.content_length
    boundary = upload.content_type.split("boundary=")[1].encode()
    assert body.startswith(b"--" + boundary) and body.endswith(b"\r\n--" + boundary + b"--\r\n")
    assert whole(content) in body and b'filename="a.bin"' in body
    assert upload.sha256 == hashlib.sha256(whole(content)).hexdigest()


async def test_sha256_is_refused_until_the_whole_body_was_sent():
    upload = MultipartUpload(Content(4, 2 * BLOCK_BYTES), "a.bin")
    stream = upload.stream()
    await anext(stream)
    await anext(stream)
    assert not upload.fully_sent
    with pytest.raises(RuntimeError):
        _ = upload.sha256
