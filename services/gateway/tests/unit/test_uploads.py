from collections.abc import AsyncIterator, Sequence

import pytest

from gateway.errors import BadFileName, FileTooLarge, MalformedMultipart, NoFileUploaded, OnlyOneFile
from gateway.uploads import MULTIPART_OVERHEAD_BYTES, MultipartUploadReader, multipart_boundary

BOUNDARY = b"----testboundary"


class RecordingSession:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.messages: list[bytes] = []
        self.cancelled = False

    async def send(self, parts: Sequence[memoryview]) -> None:
        self.messages.append(b"".join(parts))

    def cancel(self) -> None:
        self.cancelled = True

    @property
    def data(self) -> bytes:
        return b"".join(self.messages)


class RecordingStarter:
    def __init__(self) -> None:
        self.sessions: list[RecordingSession] = []

    async def __call__(self, filename: str) -> RecordingSession:
        self.sessions.append(RecordingSession(filename))
        return self.sessions[-1]


def part(name: str, content: bytes, filename: bytes | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'.encode()
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return (
        b"--"
        + BOUNDARY
        + b"\r\nContent-Disposition: "
        + disposition
        + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
        + content
        + b"\r\n"
    )


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


async def chunked(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(data: bytes, max_file_bytes: int = 1000, message_bytes: int = 64, chunk_size: int = 7):
    starter = RecordingStarter()
    reader = MultipartUploadReader(BOUNDARY, max_file_bytes, starter, message_bytes=message_bytes)
    return await reader.read(chunked(data, chunk_size)), starter


@pytest.mark.parametrize(
    "content_type,boundary",
    [
        ("multipart/form-data; boundary=abc", b"abc"),
        ('Multipart/Form-Data; boundary="a b"', b"a b"),
        ("multipart/form-data", None),
        ("application/json", None),
        (None, None),
        ("", None),
    ],
)
def test_multipart_boundary_only_for_form_data_with_boundary(content_type, boundary):
    assert multipart_boundary(content_type) == boundary


async def test_read_forwards_file_bytes_exactly_when_split_across_chunks():
    content = bytes(range(256)) * 3 + b"\r\n--" + b"not-the-boundary\r\n"
    session, _ = await read(body(part("file", content, b"a.bin")))
    assert session.filename == "a.bin" and session.data == content and not session.cancelled


async def test_read_coalesces_data_into_messages_of_the_configured_size():
    content = b"x" * 1000
    session, _ = await read(body(part("file", content, b"a.bin")), message_bytes=256, chunk_size=50)
    assert all(len(message) >= 256 for message in session.messages[:-1])
    assert all(len(message) < 256 + 50 for message in session.messages)
    assert session.data == content


async def test_read_ignores_other_fields_before_and_after_the_file():
    data = body(part("comment", b"hello"), part("file", b"payload", b"a.txt"), part("extra", b"ignored"))
    session, starter = await read(data)
    assert session.data == b"payload" and len(starter.sessions) == 1


async def test_read_skips_file_parts_without_a_filename():
    data = body(part("file", b"from an empty input", b""), part("file", b"real", b"real.txt"))
    session, _ = await read(data)
    assert session.filename == "real.txt" and session.data == b"real"


async def test_read_skips_parts_with_a_filename_under_another_name():
    with pytest.raises(NoFileUploaded):
        await read(body(part("attachment", b"x", b"a.txt")))


async def test_read_decodes_utf8_filenames():
    session, _ = await read(body(part("file", b"x", "写真 ü.txt".encode())))
    assert session.filename == "写真 ü.txt"


async def test_read_raises_bad_file_name_when_filename_is_not_utf8():
    with pytest.raises(BadFileName):
        await read(body(part("file", b"x", b"\xff\xfe.txt")))


async def test_read_raises_and_cancels_when_a_second_file_follows():
    starter = RecordingStarter()
    reader = MultipartUploadReader(BOUNDARY, 1000, starter)
    with pytest.raises(OnlyOneFile):
        await reader.read(chunked(body(part("file", b"one", b"1.txt"), part("file", b"two", b"2.txt"))))
    assert len(starter.sessions) == 1 and starter.sessions[0].cancelled


async def test_read_raises_and_cancels_when_file_exceeds_the_limit():
    starter = RecordingStarter()
    reader = MultipartUploadReader(BOUNDARY, 100, starter, message_bytes=32)
    with pytest.raises(FileTooLarge):
        await reader.read(chunked(body(part("file", b"x" * 101, b"a.bin"))))
    session = starter.sessions[0]
    assert session.cancelled and len(session.data) <= 100


async def test_read_accepts_a_file_of_exactly_the_limit():
    session, _ = await read(body(part("file", b"x" * 100, b"a.bin")), max_file_bytes=100)
    assert len(session.data) == 100


async def test_read_stops_reading_the_body_when_the_limit_is_crossed():
    consumed = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal consumed
        yield b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n'
        while True:
            consumed += 1
            yield b"x" * 100

    reader = MultipartUploadReader(BOUNDARY, 1000, RecordingStarter())
    with pytest.raises(FileTooLarge):
        await reader.read(endless())
    assert consumed == 11


async def test_read_stops_reading_when_other_parts_pass_the_body_allowance():
    consumed = 0

    async def endless_fields() -> AsyncIterator[bytes]:
        nonlocal consumed
        while True:
            consumed += 1
            yield part(f"field-{consumed}", b"x" * 4000)

    with pytest.raises(FileTooLarge):
        await MultipartUploadReader(BOUNDARY, 1000, RecordingStarter()).read(endless_fields())
    assert consumed * 4000 <= 1000 + MULTIPART_OVERHEAD_BYTES + 8000


async def test_read_raises_no_file_when_body_is_empty():
    with pytest.raises(NoFileUploaded):
        await read(b"")


async def test_read_raises_no_file_when_form_has_only_fields():
    with pytest.raises(NoFileUploaded):
        await read(body(part("comment", b"hello")))


async def test_read_raises_malformed_and_cancels_when_body_is_truncated():
    starter = RecordingStarter()
    reader = MultipartUploadReader(BOUNDARY, 1000, starter)
    truncated = body(part("file", b"payload" * 10, b"a.txt"))[:-30]
    with pytest.raises(MalformedMultipart):
        await reader.read(chunked(truncated))
    assert starter.sessions[0].cancelled


@pytest.mark.parametrize(
    "data",
    [
        b"this is not multipart at all",
        b"--" + BOUNDARY + b"\r\nno colon header line\r\n\r\nx\r\n--" + BOUNDARY + b"--\r\n",
        b"--" + BOUNDARY + b"X\r\n",
    ],
)
async def test_read_raises_malformed_when_body_does_not_parse(data):
    with pytest.raises(MalformedMultipart):
        await read(data)


async def test_read_cancels_the_session_when_the_body_stream_fails():
    starter = RecordingStarter()

    async def failing() -> AsyncIterator[bytes]:
        yield part("file", b"partial", b"a.txt")
        raise ConnectionResetError

    with pytest.raises(ConnectionResetError):
        await MultipartUploadReader(BOUNDARY, 1000, starter).read(failing())
    assert starter.sessions[0].cancelled


async def test_read_hands_the_file_over_as_views_of_the_body_without_copying_it():
    content = b"v" * 300
    data = body(part("file", content, b"a.bin"))
    received_parts: list = []

    class ViewRecordingSession(RecordingSession):
        async def send(self, parts) -> None:
            received_parts.extend(parts)
            await super().send(parts)

    async def start(filename: str) -> ViewRecordingSession:
        return ViewRecordingSession(filename)

    reader = MultipartUploadReader(BOUNDARY, 1000, start, message_bytes=64)
    session = await reader.read(chunked(data, 100))

    assert session.data == content
    assert all(isinstance(part, memoryview) and part.readonly for part in received_parts)


async def test_read_never_sends_a_message_bigger_than_the_configured_size_even_from_a_bigger_chunk():
    content = bytes(range(256)) * 10
    session, _ = await read(
        body(part("file", content, b"a.bin")), max_file_bytes=10_000, message_bytes=256, chunk_size=5000
    )

    assert [len(message) for message in session.messages] == [256] * 10
    assert session.data == content


@pytest.mark.parametrize("before", [b"", part("note", b"some field")])
async def test_file_size_bound_is_the_body_length_less_its_certain_framing(before):
    content = b"q" * 5000
    data = body(before, part("file", content, b"a.bin"))
    bounds: list[int] = []

    async def start(filename: str) -> RecordingSession:
        bounds.append(reader.file_size_bound)
        return RecordingSession(filename)

    reader = MultipartUploadReader(BOUNDARY, 10_000, start, declared_length=len(data))
    await reader.read(chunked(data, 300))

    # Exact for a form of the file alone; over it by the parts that came before.
    assert bounds[0] == len(content) + len(before)


async def test_file_size_bound_errs_under_the_file_for_tight_framing():
    content = b"t" * 300
    data = (
        b"--"
        + BOUNDARY
        + b'\r\nContent-Disposition:form-data; name="file"; filename="a.bin"\r\n\r\n'
        + content
        + b"\r\n--"
        + BOUNDARY
        + b"--"
    )
    bounds: list[int] = []

    async def start(filename: str) -> RecordingSession:
        bounds.append(reader.file_size_bound)
        return RecordingSession(filename)

    reader = MultipartUploadReader(BOUNDARY, 10_000, start, declared_length=len(data))
    await reader.read(chunked(data, 300))

    assert len(content) - 3 <= bounds[0] < len(content)


async def test_file_size_bound_is_unknown_without_a_declared_length():
    reader = MultipartUploadReader(BOUNDARY, 1000, RecordingStarter())
    await reader.read(chunked(body(part("file", b"abc", b"a.bin"))))

    assert reader.file_size_bound == 0
