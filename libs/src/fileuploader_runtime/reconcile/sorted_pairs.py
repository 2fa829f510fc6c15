"""Two streams sorted by the same key, walked side by side (a merge join) in constant memory."""

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

Left = TypeVar("Left")
Right = TypeVar("Right")
Item = TypeVar("Item")


class NotSorted(ValueError):
    """A stream was not in strictly ascending key order, so pairing it would be wrong."""


async def pair_by_key(
    left: AsyncGenerator[Left, None],
    right: AsyncGenerator[Right, None],
    left_key: Callable[[Left], str],
    right_key: Callable[[Right], str],
) -> AsyncGenerator[tuple[Left | None, Right | None], None]:
    """Each key once: (left, right) when both have it, (left, None) or (None, right) when one has it.
    Both streams are closed when this one ends or is closed."""
    async with (
        contextlib.aclosing(left),
        contextlib.aclosing(right),
        contextlib.aclosing(_ascending(left, left_key)) as lefts,
        contextlib.aclosing(_ascending(right, right_key)) as rights,
    ):
        next_left, next_right = await anext(lefts, None), await anext(rights, None)
        while next_left is not None or next_right is not None:
            if next_right is None or (next_left is not None and left_key(next_left) < right_key(next_right)):
                yield next_left, None
                next_left = await anext(lefts, None)
            elif next_left is None or right_key(next_right) < left_key(next_left):
                yield None, next_right
                next_right = await anext(rights, None)
            else:
                yield next_left, next_right
                next_left, next_right = await anext(lefts, None), await anext(rights, None)


async def _ascending(items: AsyncIterator[Item], key: Callable[[Item], str]) -> AsyncGenerator[Item, None]:
    previous: str | None = None
    async for item in items:
        current = key(item)
        if previous is not None and current <= previous:
            raise NotSorted(f"{current!r} came after {previous!r}")
        previous = current
        yield item
