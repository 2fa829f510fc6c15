"""The protobuf wire format of a message made of one bytes field, read and written without protobuf,
for the messages that carry a file's bytes: parsing one would copy the bytes into the message and
each read of the field would copy them again; building one copies them in, and serialising it copies
them out again. What these write is exactly what protobuf writes, and they read only what they can
read exactly; anything else is left to protobuf."""

from collections.abc import Sequence

from google.protobuf.message import Message

_LENGTH_DELIMITED = 2
_MAX_VARINT_BYTES = 10


def field_tag(message: type[Message], field: str) -> int:
    """The one-byte key of a length-delimited field numbered below 16."""
    number = message.DESCRIPTOR.fields_by_name[field].number
    if number >= 16:
        raise ValueError(f"{field} is numbered {number}: its key takes more than one byte")
    return number << 3 | _LENGTH_DELIMITED


def encoded_lone_field(tag: int, parts: Sequence[memoryview | bytes]) -> bytes:
    """The message whose only field is `tag`'s, holding b"".join(parts), in one copy of the parts (an
    empty field is left out, as protobuf leaves a proto3 default out)."""
    size = sum(len(part) for part in parts)
    if not size:
        return b""
    return b"".join((bytes((tag,)), varint(size), *parts))


def encoded_repeated_field(tag: int, items: Sequence[bytes]) -> bytes:
    """The message whose only field is the repeated `tag`, holding each of `items` (messages already
    encoded, each kept as it is) in order."""
    return b"".join(part for item in items for part in (bytes((tag,)), varint(len(item)), item))


def lone_field(data: bytes, tag: int) -> memoryview | None:
    """A read-only view of the field's bytes when `data` is a message made of that one field and
    nothing else; None for any other message."""
    if not data or data[0] != tag:
        return None
    length, shift, position = 0, 0, 1
    while True:
        if position >= len(data) or position > _MAX_VARINT_BYTES:
            return None
        byte = data[position]
        length |= (byte & 0x7F) << shift
        shift += 7
        position += 1
        if not byte & 0x80:
            break
    if position + length != len(data):
        return None
    return memoryview(data)[position:]


def varint(value: int) -> bytes:
    encoded = bytearray()
    while value > 0x7F:
        encoded.append(value & 0x7F | 0x80)
        value >>= 7
    encoded.append(value)
    return bytes(encoded)
