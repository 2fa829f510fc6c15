"""pair_by_key: the merge join the reconciliation walks two sorted streams with."""

import pytest

from fileuploader_runtime.reconcile.sorted_pairs import NotSorted, pair_by_key


class Stream:
    """An async generator over the items that records whether it was closed."""

    def __init__(self, *items: str) -> None:
        self.items = items
        self.closed = False

    async def generate(self):
        try:
            for item in self.items:
                yield item
        finally:
            self.closed = True


def same(item: str) -> str:
    return item


async def pairs_of(left: Stream, right: Stream) -> list[tuple[str | None, str | None]]:
    return [pair async for pair in pair_by_key(left.generate(), right.generate(), same, same)]


async def test_pair_by_key_pairs_equal_keys_and_keeps_the_unmatched_in_order():
    pairs = await pairs_of(Stream("a", "c", "d", "f"), Stream("b", "c", "f", "g"))

    assert pairs == [("a", None), (None, "b"), ("c", "c"), ("d", None), ("f", "f"), (None, "g")]


async def test_pair_by_key_yields_every_item_when_one_side_is_empty():
    assert await pairs_of(Stream(), Stream("a", "b")) == [(None, "a"), (None, "b")]
    assert await pairs_of(Stream("a"), Stream()) == [("a", None)]


async def test_pair_by_key_compares_by_code_point():
    pairs = await pairs_of(Stream("B", "a"), Stream("B", "a"))

    assert pairs == [("B", "B"), ("a", "a")]


@pytest.mark.parametrize("unsorted", [("b", "a"), ("a", "a")])
async def test_pair_by_key_refuses_a_stream_out_of_ascending_order(unsorted):
    with pytest.raises(NotSorted):
        await pairs_of(Stream(*unsorted), Stream("a", "b"))


async def test_pair_by_key_closes_both_streams_when_closed_early():
    left, right = Stream("a", "b"), Stream("a", "b")
    pairs = pair_by_key(left.generate(), right.generate(), same, same)

    assert await anext(pairs) == ("a", "a")
    await pairs.aclose()

    assert left.closed and right.closed
