"""What the files service keeps, seen from outside: its rows, its outbox, its blobs and temp files.

Invariants the fault tests check after each fault: every row has its whole bytes, temp space is
empty once an upload has ended, nothing is served half-written."""

import dataclasses
import hashlib
import pathlib

import httpx

from stack import Stack
from support.postgres import query
from support.waiting import wait_until

TEMP_DIR_NAME = ".tmp"


def file_rows(files_database_url: str) -> dict[str, dict]:
    """file_url -> {storage_key, size, sha256, owner_account_id, inline_size}; inline_size is the length
    of the bytes a small file keeps in its row (None: they are in the blob store)."""
    columns = "file_url, storage_key, size, sha256, owner_account_id, length(content) AS inline_size"
    return {row.pop("file_url"): row for row in query(files_database_url, f"SELECT {columns} FROM files")}


def owned_like(rows: dict[str, dict], file_url: str) -> set[str]:
    """The file_urls of every file whose owner also owns `file_url`."""
    owner = rows[file_url]["owner_account_id"]
    return {url for url, row in rows.items() if row["owner_account_id"] == owner}


def outbox_size(files_database_url: str) -> int:
    return query(files_database_url, "SELECT count(*) AS n FROM outbox")[0]["n"]


def blob_sizes(storage_dir: pathlib.Path) -> dict[str, int]:
    """storage key -> size of every committed blob (temp files excluded)."""
    return {
        path.name: path.stat().st_size
        for path in storage_dir.rglob("*")
        if path.is_file() and TEMP_DIR_NAME not in path.relative_to(storage_dir).parts
    }


def temp_files(storage_dir: pathlib.Path) -> list[pathlib.Path]:
    temp_dir = storage_dir / TEMP_DIR_NAME
    return sorted(temp_dir.iterdir()) if temp_dir.exists() else []


def wait_until_an_upload_is_in_temp(storage_dir: pathlib.Path) -> None:
    """Until files has written bytes of an upload to its temp space (the upload is in flight there)."""
    wait_until(lambda: any(p.stat().st_size for p in temp_files(storage_dir)), 10, "files writing the upload")


def assert_every_row_has_its_bytes(files_database_url: str, storage_dir: pathlib.Path) -> dict[str, dict]:
    rows = file_rows(files_database_url)
    blobs = blob_sizes(storage_dir)
    for file_url, row in rows.items():
        kept = row["inline_size"] if row["inline_size"] is not None else blobs.get(row["storage_key"])
        assert kept == row["size"], f"{file_url}: a row without its bytes ({row})"
    return rows


def blob_keys_of(rows: dict[str, dict]) -> set[str]:
    """The storage keys of the rows whose bytes are in the blob store (not in the row)."""
    return {row["storage_key"] for row in rows.values() if row["inline_size"] is None}


def assert_every_file_served_whole(c: httpx.Client, files_database_url: str) -> None:
    """Each file the database knows downloads completely, with the SHA-256 it was stored with."""
    for file_url, row in file_rows(files_database_url).items():
        r = c.get("/file/" + file_url)
        assert r.status_code == 200, (file_url, r.status_code, r.text)
        served = len(r.content), hashlib.sha256(r.content).hexdigest()
        assert served == (row["size"], row["sha256"]), file_url


@dataclasses.dataclass(frozen=True)
class Stored:
    blobs: frozenset[str]
    temp_files: frozenset[str]
    file_rows: int


def stored(stack: Stack) -> Stored:
    """What the files service of `stack` holds: blob keys, temp files and the number of rows."""
    storage_dir = stack.config.data_dir / "blobs"
    return Stored(
        blobs=frozenset(blob_sizes(storage_dir)),
        temp_files=frozenset(str(path) for path in temp_files(storage_dir)),
        file_rows=query(stack.config.files_database_url, "SELECT count(*) AS n FROM files")[0]["n"],
    )


def assert_nothing_stored_since(stack: Stack, before: Stored, timeout: float = 10) -> None:
    """Waits (a cancelled upload's cleanup runs after the answer) until the files service holds what it
    held before: the same blobs, no temp file, the same rows."""
    wait_until(lambda: stored(stack) == before, timeout, f"nothing stored beyond {before}")
