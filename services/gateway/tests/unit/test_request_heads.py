import h11
import pytest

from gateway.request_heads import BOTH_FRAMINGS, INVALID_REQUEST, CheckedConnection, RequestRefused

LIMIT = 4096


def head(padding: int, extra: bytes = b"") -> bytes:
    return b"GET / HTTP/1.1\r\nHost: g\r\nX-Pad: " + b"a" * padding + b"\r\n" + extra + b"\r\n"


def events_of(data: bytes, limit: int = LIMIT) -> list:
    connection = CheckedConnection(limit)
    connection.receive_data(data)
    events = []
    while (event := connection.next_event()) not in (h11.NEED_DATA, h11.PAUSED):
        events.append(event)
    return events


def refusal_of(data: bytes, limit: int = LIMIT) -> str:
    with pytest.raises(RequestRefused) as refused:
        events_of(data, limit)
    return refused.value.message


def test_a_head_within_the_limit_is_served():
    assert isinstance(events_of(head(LIMIT - 100))[0], h11.Request)


def test_a_whole_head_past_the_limit_received_at_once_is_refused():
    assert refusal_of(head(100_000)) == f"Request line and headers too large (at most {LIMIT} bytes)"


def test_an_incomplete_head_past_the_limit_is_refused():
    assert refusal_of(head(100_000)[:-2]) == f"Request line and headers too large (at most {LIMIT} bytes)"


def test_each_head_of_a_pipelined_series_is_measured_alone():
    """Three heads of 3 KiB in one read: together past the limit, each within it."""
    connection = CheckedConnection(LIMIT)
    connection.receive_data(head(3000) * 3)
    for _ in range(3):
        assert isinstance(connection.next_event(), h11.Request)
        assert isinstance(connection.next_event(), h11.EndOfMessage)
        connection.send(h11.Response(status_code=204, headers=[]))
        connection.send(h11.EndOfMessage())
        connection.start_next_cycle()


def test_content_length_with_transfer_encoding_is_refused():
    data = (
        b"POST / HTTP/1.1\r\nHost: g\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n"
    )
    assert refusal_of(data) == BOTH_FRAMINGS


@pytest.mark.parametrize(
    "framing,body",
    [(b"Content-Length: 3", b"abc"), (b"Transfer-Encoding: chunked", b"3\r\nabc\r\n0\r\n\r\n")],
)
def test_either_framing_alone_is_served(framing, body):
    data = b"POST / HTTP/1.1\r\nHost: g\r\n" + framing + b"\r\n\r\n" + body
    assert [type(event) for event in events_of(data)] == [h11.Request, h11.Data, h11.EndOfMessage]


def test_a_request_that_is_not_http_is_refused_without_echoing_it():
    message = refusal_of(b"GET / HTTP/1.1\r\nBad Header\x00: <script>\r\n\r\n")
    assert message == INVALID_REQUEST
