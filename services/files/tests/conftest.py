"""Shared by the files service's unit and integration tests."""

from datetime import UTC, datetime

import pytest

FIXED_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


async def chunks_of(*parts: bytes):
    for part in parts:
        yield part


@pytest.fixture
def make_chunks():
    """make_chunks(b"ab", b"cd") -> an async iterator of those chunks."""
    return chunks_of
