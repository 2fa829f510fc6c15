"""A request body's bytes as uvicorn's httptools protocol holds them between the app's reads: the
pieces the parser gave, not a bytearray each piece is appended to and copied out of. A read that finds
one piece (the usual case for a big upload: reading pauses once a piece is in) gets it as it is; more
are joined once."""


class ReceivedBody:
    """Stands in for RequestResponseCycle.body: `+=` a piece, len(), bytes() (what receive() sends)."""

    __slots__ = ("_pieces", "_size")

    def __init__(self, start: bytes | bytearray = b"") -> None:
        self._pieces: list[bytes] = [bytes(start)] if start else []
        self._size = len(start)

    def __iadd__(self, piece: bytes) -> "ReceivedBody":
        if piece:
            self._pieces.append(piece)
            self._size += len(piece)
        return self

    def __len__(self) -> int:
        return self._size

    def __bytes__(self) -> bytes:
        if len(self._pieces) == 1:
            return self._pieces[0]
        return b"".join(self._pieces)
