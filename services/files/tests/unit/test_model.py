import pytest

from files_service.domain.errors import RangeNotSatisfiable
from files_service.domain.model import ByteRange, resolve_range


@pytest.mark.parametrize(
    ("size", "offset", "length", "expected"),
    [
        (10, 0, None, ByteRange(0, 10)),
        (10, 4, None, ByteRange(4, 6)),
        (10, 10, None, ByteRange(10, 0)),
        (10, 2, 3, ByteRange(2, 3)),
        (10, 0, 10, ByteRange(0, 10)),
        (10, 10, 0, ByteRange(10, 0)),
        (0, 0, None, ByteRange(0, 0)),
    ],
)
def test_resolve_range_within_the_file(size, offset, length, expected):
    assert resolve_range(size, offset, length) == expected


@pytest.mark.parametrize(
    ("size", "offset", "length"), [(10, 11, None), (10, 5, 6), (10, 11, 0), (0, 1, None)]
)
def test_resolve_range_rejects_ranges_past_the_end(size, offset, length):
    with pytest.raises(RangeNotSatisfiable):
        resolve_range(size, offset, length)
