"""`python -m files_service reconcile` in process, against a real database, disk and nats-server."""

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.bootstrap import bootstrap
from files_service.domain.events import FileUploaded
from files_service.domain.model import StoredFile, UploadRequest
from files_service.entrypoints import reconcile_cli
from files_service.settings import Settings

pytestmark = pytest.mark.integration

TWO_HOURS_AGO = time.time() - 7200
ORPHAN_KEY = "0" * 32
FRESH_ORPHAN_KEY = "f" * 32
TEMP_NAME = f"{'1' * 32}.deadbeef.part"


@pytest.fixture
def settings(make_settings, nats_server, database_url) -> Settings:
    return make_settings(nats_url=nats_server.url, database_url=database_url)


async def run_reconcile(settings: Settings, capsys, *arguments: str) -> tuple[int, dict]:
    """The exit status and the JSON report."""
    parser = argparse.ArgumentParser()
    reconcile_cli.add_arguments(parser)
    status = await reconcile_cli.reconcile(settings, parser.parse_args(["--json", *arguments]))
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def run_command(settings, capsys):
    async def run(*arguments: str) -> tuple[int, dict]:
        return await run_reconcile(settings, capsys, *arguments)

    return run


async def upload_three_files(settings: Settings, make_chunks) -> list[StoredFile]:
    """Three files stored by the service, which is then stopped."""
    application = await bootstrap(settings)
    try:
        return [
            await application.service.upload_file(
                UploadRequest(f"f{number}.txt", include_ext=False, owner_account_id="acc-1"),
                make_chunks(b"data %d" % number),
            )
            for number in range(3)
        ]
    finally:
        await application.close()


@pytest.fixture
async def uploaded(settings, make_chunks) -> list[StoredFile]:
    return await upload_three_files(settings, make_chunks)


def blob_path(settings: Settings, key: str):
    return settings.blob_directory / key[:2] / key[2:4] / key


def write(path, data: bytes, modified: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if modified is not None:
        os.utime(path, (modified, modified))


async def add_stale_event(settings: Settings, stored: StoredFile) -> None:
    """An event the service committed two hours ago and never published (it crashed, say)."""
    engine = create_engine(settings.sqlalchemy_url)
    try:
        async with SqlAlchemyUnitOfWork(engine, encode_event, settings.events_subject_prefix) as uow:
            occurred = datetime.now(UTC) - timedelta(hours=2)
            await uow.outbox.add(FileUploaded.of(stored, "stale-event", occurred))
            await uow.commit()
    finally:
        await engine.dispose()


@pytest.fixture
async def damaged(settings, uploaded) -> list[StoredFile]:
    """One of each: orphaned bytes (and fresh ones), temp leftovers, lost and cut bytes, a stale event."""
    write(blob_path(settings, ORPHAN_KEY), b"nobody's bytes", modified=TWO_HOURS_AGO)
    write(blob_path(settings, FRESH_ORPHAN_KEY), b"an upload about to record its row")
    write(settings.blob_directory / ".tmp" / TEMP_NAME, b"half an upload", modified=TWO_HOURS_AGO)
    write(settings.blob_directory / ".tmp" / "upload-in-progress.part", b"being written")
    blob_path(settings, uploaded[0].storage_key).unlink()
    blob_path(settings, uploaded[1].storage_key).write_bytes(b"cut")
    await add_stale_event(settings, uploaded[2])
    return uploaded


def found(report: dict) -> dict[str, int]:
    return {kind: tally["found"] for kind, tally in report["kinds"].items() if tally["found"]}


def subjects(report: dict, kind: str) -> list[str]:
    return [sample["subject"] for sample in report["kinds"][kind]["samples"]]


async def test_reconcile_reports_every_kind_of_damage_and_changes_nothing(
    run_command, damaged, settings, stream_reader
):
    status, report = await run_command()

    assert status == 1
    assert found(report) == {
        "orphaned_blob": 1,
        "missing_blob": 1,
        "size_mismatch": 1,
        "temp_leftover": 1,
        "unpublished_event": 1,
    }
    assert subjects(report, "orphaned_blob") == [ORPHAN_KEY]
    assert subjects(report, "missing_blob") == [damaged[0].file_url]
    assert subjects(report, "size_mismatch") == [damaged[1].file_url]
    assert subjects(report, "temp_leftover") == [TEMP_NAME]
    assert subjects(report, "unpublished_event") == ["stale-event"]
    assert report["checked"] == {"files": 3, "blobs": 4, "temp_files": 2}
    assert (
        blob_path(settings, ORPHAN_KEY).exists() and (settings.blob_directory / ".tmp" / TEMP_NAME).exists()
    )
    assert [m for m in await stream_reader.messages() if m.header["Nats-Msg-Id"] == "stale-event"] == []


async def test_reconcile_with_repair_deletes_orphans_publishes_the_backlog_and_keeps_lost_files(
    run_command, damaged, settings, stream_reader
):
    status, report = await run_command("--repair")

    assert status == 1
    repaired = {kind: tally["repaired"] for kind, tally in report["kinds"].items() if tally["found"]}
    assert repaired == {
        "orphaned_blob": 1,
        "missing_blob": 0,
        "size_mismatch": 0,
        "temp_leftover": 1,
        "unpublished_event": 1,
    }
    assert not blob_path(settings, ORPHAN_KEY).exists()
    assert blob_path(settings, FRESH_ORPHAN_KEY).exists()
    assert sorted(path.name for path in (settings.blob_directory / ".tmp").iterdir()) == [
        "upload-in-progress.part"
    ]
    assert [m.header["Nats-Msg-Id"] for m in await stream_reader.messages()][-1] == "stale-event"

    status, again = await run_command("--repair")

    assert status == 1
    assert found(again) == {"missing_blob": 1, "size_mismatch": 1}


async def test_reconcile_of_a_consistent_service_finds_nothing(run_command, uploaded):
    status, report = await run_command("--repair")

    assert (status, report["differences"], report["errors"]) == (0, 0, [])
    assert report["checked"] == {"files": 3, "blobs": 3, "temp_files": 0}


async def test_reconcile_with_a_grace_of_zero_takes_fresh_orphans_too(run_command, damaged, settings):
    status, report = await run_command("--repair", "--grace-seconds", "0")

    assert status == 1 and report["kinds"]["orphaned_blob"]["repaired"] == 2
    assert not blob_path(settings, FRESH_ORPHAN_KEY).exists()


async def test_reconcile_fails_with_status_2_against_a_database_without_the_tables(
    make_settings, tmp_path, capsys, caplog
):
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'elsewhere.db'}")
    parser = argparse.ArgumentParser()
    reconcile_cli.add_arguments(parser)

    status = await reconcile_cli.reconcile(settings, parser.parse_args([]))

    assert status == 2
    assert capsys.readouterr().out == ""
    assert "reconciliation failed" in caplog.text and "no such table" in caplog.text


async def test_reconcile_on_s3_finds_and_repairs_orphans_and_incomplete_uploads_and_keeps_the_rest(
    make_settings, nats_server, s3_settings, seaweedfs, s3_bucket, make_chunks, capsys
):
    settings = make_settings(nats_url=nats_server.url, **s3_settings)
    files = await upload_three_files(settings, make_chunks)
    seaweedfs.put_object(s3_bucket, ORPHAN_KEY, b"nobody's bytes")
    seaweedfs.put_object(s3_bucket, "not-a-blob.txt", b"not the service's")
    seaweedfs.put_object(s3_bucket, files[1].storage_key, b"cut")
    seaweedfs.delete_object(s3_bucket, files[0].storage_key)
    upload_id = seaweedfs.begin_upload(s3_bucket, "1" * 32, b"half an upload")

    status, report = await run_reconcile(settings, capsys, "--grace-seconds", "0")
    repair_status, repaired = await run_reconcile(settings, capsys, "--repair", "--grace-seconds", "0")
    again_status, again = await run_reconcile(settings, capsys, "--repair", "--grace-seconds", "0")

    assert status == repair_status == again_status == 1
    assert found(report) == {"orphaned_blob": 1, "missing_blob": 1, "size_mismatch": 1, "temp_leftover": 1}
    assert subjects(report, "temp_leftover") == [f"{'1' * 32}/{upload_id}"]
    assert report["checked"] == {"files": 3, "blobs": 3, "temp_files": 1}
    assert {kind: tally["repaired"] for kind, tally in repaired["kinds"].items() if tally["repaired"]} == {
        "orphaned_blob": 1,
        "temp_leftover": 1,
    }
    assert found(again) == {"missing_blob": 1, "size_mismatch": 1}
    assert set(seaweedfs.objects(s3_bucket)) == {"not-a-blob.txt", files[1].storage_key, files[2].storage_key}
    assert seaweedfs.incomplete_uploads(s3_bucket) == []
