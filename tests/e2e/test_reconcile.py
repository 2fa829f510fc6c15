"""The reconcile commands against the services as processes: each kind of damage made by hand, found,
repaired, and the account list exact again (docs/operations.md, "Repair")."""

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp

import reconcile as reconcile_script
from fileuploader.events.v1 import file_events_pb2
from stack import SERVICE_MODULES, http_status
from support.api import client, get_files, register, uploaded

TWO_HOURS_AGO = datetime.now(UTC) - timedelta(hours=2)
ORPHAN_KEY, FRESH_ORPHAN_KEY = "0" * 32, "f" * 32
OLD_TEMP, FRESH_TEMP = "1" * 32 + ".dead.part", "2" * 32 + ".live.part"


def sql(url: str, statement: str, *arguments) -> list:
    async def run() -> list:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            return await connection.fetch(statement, *arguments)
        finally:
            await connection.close()

    return asyncio.run(run())


def run_reconcile(stack, service: str, *arguments: str) -> tuple[int, dict]:
    """`python -m <service> reconcile --json ...` with the service's own settings: exit status and report."""
    argv = [sys.executable, "-m", SERVICE_MODULES[service], "reconcile", "--json", *arguments]
    completed = subprocess.run(argv, env=stack.service_env(service), capture_output=True, timeout=120)
    assert completed.stdout, completed.stderr.decode()
    return completed.returncode, json.loads(completed.stdout)


def found(report: dict) -> dict[str, list[str]]:
    return {
        kind: [item["subject"] for item in tally["samples"]]
        for kind, tally in report["kinds"].items()
        if tally["found"]
    }


def blob_path(stack, key: str):
    return stack.config.data_dir / "blobs" / key[:2] / key[2:4] / key


def write(path, data: bytes, modified: datetime | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if modified is not None:
        os.utime(path, (modified.timestamp(), modified.timestamp()))


def timestamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def stale_upload_event(row) -> bytes:
    """The FileUploaded files would have written to its outbox, for a files table row."""
    return file_events_pb2.FileUploaded(
        event_id=str(uuid.uuid4()),
        occurred_at=timestamp(TWO_HOURS_AGO),
        file_url=row["file_url"],
        owner_account_id=row["owner_account_id"],
        delete_key=row["delete_key"],
        ext=row["ext"],
        user_filename=row["user_filename"],
        size=row["size"],
        sha256=row["sha256"],
        created_at=timestamp(row["created_at"]),
    ).SerializeToString()


BLOBS = ("lost", "gone")


def damage(stack, files: dict[str, dict]) -> None:
    """With files stopped: lost bytes, a file gone without its event, a list entry lost, one changed,
    an upload event stuck in the outbox, orphaned bytes and temp data (old and fresh)."""
    files_db, auth_db = stack.config.files_database_url, stack.config.auth_database_url
    rows = {row["file_url"]: row for row in sql(files_db, "SELECT * FROM files")}
    blob_path(stack, rows[files["lost"]["file_url"]]["storage_key"]).unlink()
    gone = files["gone"]["file_url"]
    sql(files_db, "DELETE FROM files WHERE file_url = $1", gone)
    blob_path(stack, rows[gone]["storage_key"]).unlink()
    sql(
        auth_db,
        "DELETE FROM account_files WHERE file_url = ANY($1)",
        [files["unlisted"]["file_url"], files["stuck"]["file_url"]],
    )
    sql(
        auth_db,
        "UPDATE account_files SET user_filename = 'wrong.txt' WHERE file_url = $1",
        files["changed"]["file_url"],
    )
    stuck = rows[files["stuck"]["file_url"]]
    sql(
        files_db,
        "INSERT INTO outbox (event_id, subject, payload, created_at) VALUES ($1, 'files.uploaded', $2, $3)",
        "stuck-event",
        stale_upload_event(stuck),
        TWO_HOURS_AGO,
    )
    write(blob_path(stack, ORPHAN_KEY), b"nobody's bytes", modified=TWO_HOURS_AGO)
    write(blob_path(stack, FRESH_ORPHAN_KEY), b"an upload about to record its row")
    write(stack.config.data_dir / "blobs" / ".tmp" / OLD_TEMP, b"half an upload", modified=TWO_HOURS_AGO)
    write(stack.config.data_dir / "blobs" / ".tmp" / FRESH_TEMP, b"being written")


def wait_ready(stack, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while http_status(stack.gateway_url + "/readyz") != 200:
        assert time.monotonic() < deadline, "the stack did not become ready again"
        time.sleep(0.2)


def test_reconcile_finds_and_repairs_each_kind_of_damage(own_stack, capsys):
    with client(own_stack.gateway_url) as c:
        token = register(c)["accessToken"]
        # Those whose blob the damage deletes are over FU_FILES_INLINE_MAX_BYTES; the others keep their
        # bytes in their row.
        files = {
            name: uploaded(c, f"{name}.txt", name.encode() * (20_000 if name in BLOBS else 1), token=token)
            for name in ("lost", "gone", "unlisted", "changed", "stuck", "fine")
        }
        uploaded(c, "anonymous.txt", b"nobody's")
        own_stack.processes["files"].stop()
        damage(own_stack, files)

        status, report = run_reconcile(own_stack, "files")
        assert status == 1, report
        assert found(report) == {
            "orphaned_blob": [ORPHAN_KEY],
            "missing_blob": [files["lost"]["file_url"]],
            "temp_leftover": [OLD_TEMP],
            "unpublished_event": ["stuck-event"],
        }
        assert blob_path(own_stack, ORPHAN_KEY).exists()

        status, report = run_reconcile(own_stack, "files", "--repair")
        assert status == 1, report
        assert {kind: tally["remaining"] for kind, tally in report["kinds"].items() if tally["found"]} == {
            "orphaned_blob": 0,
            "missing_blob": 1,
            "temp_leftover": 0,
            "unpublished_event": 0,
        }
        assert (
            not blob_path(own_stack, ORPHAN_KEY).exists() and blob_path(own_stack, FRESH_ORPHAN_KEY).exists()
        )
        assert sorted(p.name for p in (own_stack.config.data_dir / "blobs" / ".tmp").iterdir()) == [
            FRESH_TEMP
        ]
        assert sql(own_stack.config.files_database_url, "SELECT event_id FROM outbox") == []

        own_stack.start_service("files")
        wait_ready(own_stack)

        status, report = run_reconcile(own_stack, "auth", "--grace-seconds", "0")
        assert status == 1, report
        assert found(report) == {
            "missing_from_list": [files["unlisted"]["file_url"]],
            "stale_in_list": [files["gone"]["file_url"]],
            "differing_in_list": [files["changed"]["file_url"]],
        }

        status, report = run_reconcile(own_stack, "auth", "--grace-seconds", "0", "--repair")
        assert status == 1, report
        assert {
            kind: (tally["found"], tally["repaired"], tally["remaining"])
            for kind, tally in report["kinds"].items()
        } == {"missing_from_list": (1, 1, 0), "stale_in_list": (1, 1, 0), "differing_in_list": (1, 1, 0)}

        listed = {item["file_url"]: item["user_filename"] for item in get_files(c, token)}
        expected = ("lost", "unlisted", "changed", "stuck", "fine")
        assert listed == {files[name]["file_url"]: f"{name}.txt" for name in expected}

        assert reconcile_script.reconcile(own_stack, ["--json"]) == 1
        combined = json.loads(capsys.readouterr().out)
        assert combined["exit_status"] == 1
        assert found(combined["files"]) == {"missing_blob": [files["lost"]["file_url"]]}
        assert combined["auth"]["differences"] == 0 and combined["auth"]["checked"]["owned_files"] == 5
