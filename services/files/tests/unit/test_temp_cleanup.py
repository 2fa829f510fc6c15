import logging
from datetime import UTC, datetime, timedelta

from files_service.temp_cleanup import remove_stale_temp

CUTOFF = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)


async def test_remove_stale_temp_removes_only_what_was_last_written_before_the_cutoff(blob_store, caplog):
    blob_store.temp = {"crashed.part": b"half", "older.part": b"x", "in-flight.part": b"being written"}
    blob_store.modified_at = {
        "crashed.part": CUTOFF - timedelta(hours=5),
        "older.part": CUTOFF - timedelta(seconds=1),
        "in-flight.part": CUTOFF,
    }

    with caplog.at_level(logging.INFO):
        removed = await remove_stale_temp(blob_store, written_before=CUTOFF)

    assert removed == 2 and set(blob_store.temp) == {"in-flight.part"}
    assert "removed 2 temp leftover(s) of interrupted uploads" in caplog.text


async def test_remove_stale_temp_with_nothing_stale_removes_nothing(blob_store):
    blob_store.temp = {"in-flight.part": b"being written"}
    blob_store.modified_at = {"in-flight.part": CUTOFF + timedelta(minutes=1)}

    assert await remove_stale_temp(blob_store, written_before=CUTOFF) == 0
    assert set(blob_store.temp) == {"in-flight.part"}
