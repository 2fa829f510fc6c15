from gateway.received_body import ReceivedBody


def test_one_piece_is_read_as_it_is() -> None:
    piece = b"x" * 300_000
    body = ReceivedBody()
    body += piece
    assert len(body) == len(piece)
    assert bytes(body) is piece


def test_pieces_are_read_joined_in_order() -> None:
    body = ReceivedBody(bytearray(b"ab"))
    body += b"cd"
    body += b""
    body += b"ef"
    assert len(body) == 6
    assert bytes(body) == b"abcdef"


def test_an_empty_body_reads_empty() -> None:
    assert bytes(ReceivedBody()) == b""
    assert bytes(ReceivedBody(bytearray())) == b""
    assert len(ReceivedBody()) == 0
