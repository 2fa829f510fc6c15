"""The streaming multipart reader of uploads.

The request body is pushed, chunk by chunk as it arrives, through python-multipart's low-level
MultipartParser. The first part named "file" with a non-empty filename opens an upload session;
its bytes are forwarded in 1 MiB messages, each send awaited (backpressure), and counted: the
moment the file passes the limit, reading stops. A message is handed over as views into the body's
chunks, not copied here: the session copies it once, into what it sends. Nothing is held beyond one
message, nothing touches the disk. The whole body may exceed the file's limit by
MULTIPART_OVERHEAD_BYTES only, so a chunked body of endless other parts is cut off too. Any failure
cancels the session, so files keeps nothing.
"""

from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from typing import Generic, Protocol, TypeVar

from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from gateway.errors import (
    BadFileName,
    FileTooLarge,
    MalformedMultipart,
    NoFileUploaded,
    OnlyOneFile,
)

MESSAGE_BYTES = 1024 * 1024  # 512 KiB cost the gateway and files about a sixth more CPU per byte
MULTIPART_OVERHEAD_BYTES = 1024 * 1024  # room for boundaries, part headers and small fields
NO_DATA = memoryview(b"")  # what a callback without data is given


class UploadSession(Protocol):
    async def send(self, parts: Sequence[memoryview]) -> None:
        """Sends the next bytes of the file, given in (read-only) parts, as one message."""

    def cancel(self) -> None: ...


SessionT = TypeVar("SessionT", bound=UploadSession)


def multipart_boundary(content_type: str | None) -> bytes | None:
    """The boundary of a multipart/form-data Content-Type, or None for any other body."""
    media_type, params = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        return None
    return params.get(b"boundary") or None


class MultipartUploadReader(Generic[SessionT]):
    """Reads one upload; `start_upload(filename)` opens the session that the file's bytes go to."""

    def __init__(
        self,
        boundary: bytes,
        max_file_bytes: int,
        start_upload: Callable[[str], Awaitable[SessionT]],
        message_bytes: int = MESSAGE_BYTES,
        declared_length: int | None = None,
    ) -> None:
        """`declared_length`: the body's Content-Length, when it has one (see file_size_bound)."""
        self._max_file_bytes = max_file_bytes
        self._boundary_bytes = len(boundary)
        self._declared_length = declared_length
        self._part_header_bytes = 0
        self._start_upload = start_upload
        self._message_bytes = message_bytes
        self._parser = _event_collecting_parser(boundary, self._events_received)
        self._events: list[tuple[str, memoryview]] = []
        self._session: SessionT | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._in_file_part = False
        self._file_bytes = 0
        self._pending: list[memoryview] = []
        self._pending_bytes = 0
        self._received_bytes = 0
        self._ended = False

    @property
    def file_size_bound(self) -> int:
        """Once the file's part has begun (when start_upload is called): the most bytes of file that can
        follow, by the body's Content-Length less what is not the file: its part's delimiter and headers,
        and the closing delimiter with its CRLF. Exact for a body holding only the file as clients frame
        it (one space after each header's colon); a few bytes under the file when framed more tightly
        (a check against it then errs on letting the upload through). 0 when the body has no length."""
        if self._declared_length is None:
            return 0
        opening, closing = self._boundary_bytes + 4, self._boundary_bytes + 8
        framing = opening + self._part_header_bytes + 2 + closing
        return max(self._declared_length - framing, 0)

    async def read(self, body: AsyncIterable[bytes]) -> SessionT:
        """Reads the whole body and returns the session that was sent the file, ready to be finished.

        Raises a gateway error (400, 413) after cancelling the session; any other exception
        (a client disconnect, say) also cancels it."""
        try:
            async for received in body:
                chunk = bytes(received)  # a no-op for bytes; the parser's views need an immutable buffer
                self._received_bytes += len(chunk)
                if self._received_bytes > self._max_file_bytes + MULTIPART_OVERHEAD_BYTES:
                    raise FileTooLarge(self._max_file_bytes)
                self._feed(chunk)
                await self._apply_events()
            return self._completed_session()
        except BaseException:
            if self._session is not None:
                self._session.cancel()
            raise

    def _events_received(self, name: str, data: memoryview = NO_DATA) -> None:
        self._events.append((name, data))

    def _feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            raise MalformedMultipart() from error

    async def _apply_events(self) -> None:
        events, self._events = self._events, []
        for name, data in events:
            if name == "part_data":
                await self._part_data(data)
            elif name == "headers_finished":
                await self._headers_finished()
            elif name == "part_end":
                await self._part_end()
            else:
                self._apply_header_event(name, data)

    def _apply_header_event(self, name: str, data: memoryview) -> None:
        if name == "part_begin":
            self._headers = {}
            self._part_header_bytes = 0
        elif name == "header_field":
            self._header_field += data
        elif name == "header_value":
            self._header_value += data
        elif name == "header_end":
            self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
            self._part_header_bytes += len(self._header_field) + 2 + len(self._header_value) + 2
            self._header_field.clear()
            self._header_value.clear()
        elif name == "end":
            self._ended = True

    async def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition"))
        filename = params.get(b"filename")
        if params.get(b"name") != b"file" or not filename:
            return
        if self._session is not None:
            raise OnlyOneFile()
        self._session = await self._start_upload(_decoded_filename(filename))
        self._in_file_part = True

    async def _part_data(self, data: memoryview) -> None:
        if not self._in_file_part:
            return
        self._file_bytes += len(data)
        if self._file_bytes > self._max_file_bytes:
            raise FileTooLarge(self._max_file_bytes)
        while data:  # a body chunk may be bigger than a message: no message exceeds message_bytes
            taken = data[: self._message_bytes - self._pending_bytes]
            data = data[len(taken) :]
            self._pending.append(taken)
            self._pending_bytes += len(taken)
            if self._pending_bytes >= self._message_bytes:
                await self._send_pending()

    async def _part_end(self) -> None:
        if self._in_file_part:
            await self._send_pending()
            self._in_file_part = False

    async def _send_pending(self) -> None:
        if self._pending and self._session is not None:
            parts, self._pending, self._pending_bytes = self._pending, [], 0
            await self._session.send(parts)

    def _completed_session(self) -> SessionT:
        if self._received_bytes == 0:
            raise NoFileUploaded()
        if not self._ended:
            raise MalformedMultipart()
        if self._session is None:
            raise NoFileUploaded()
        return self._session


def _decoded_filename(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadFileName() from error


def _event_collecting_parser(boundary: bytes, record: Callable[..., None]) -> MultipartParser:
    """A parser whose callbacks only record events; they are applied (asynchronously) after each write.
    Data is recorded as views: the parser's buffers are the (immutable) chunks written and its own
    constant boundary bytes."""

    def notification(name: str) -> Callable[[], None]:
        return lambda: record(name)

    def data(name: str) -> Callable[[bytes, int, int], None]:
        return lambda buffer, start, end: record(name, memoryview(buffer)[start:end])

    callbacks: dict[str, Callable[..., None]] = {
        f"on_{name}": notification(name)
        for name in ("part_begin", "part_end", "header_end", "headers_finished", "end")
    }
    callbacks |= {f"on_{name}": data(name) for name in ("part_data", "header_field", "header_value")}
    try:
        return MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    except FormParserError as error:
        raise MalformedMultipart() from error
