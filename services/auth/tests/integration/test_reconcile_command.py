"""`python -m auth_service reconcile` in process: a real database, nats-server and auth server (whose
consumer applies the events), and a FilesService stand-in on a real gRPC server."""

import argparse
import json
from datetime import UTC, datetime, timedelta

import pytest

from auth_service.entrypoints import reconcile_cli
from auth_service.entrypoints.server import AuthServer
from auth_service.settings import Settings
from fileuploader.events.v1 import file_events_pb2
from fileuploader.files.v1 import files_pb2

from .fake_files import FakeFilesServer, owned_file

pytestmark = pytest.mark.integration

CREATED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def uploaded_event(owned: files_pb2.OwnedFile) -> bytes:
    return file_events_pb2.FileUploaded(
        event_id=f"up-{owned.file.file_url}",
        occurred_at=owned.file.created_at,
        file_url=owned.file.file_url,
        owner_account_id=owned.owner_account_id,
        delete_key=owned.delete_key,
        ext=owned.file.ext,
        user_filename=owned.file.user_filename,
        size=owned.file.size,
        sha256=owned.file.sha256,
        created_at=owned.file.created_at,
    ).SerializeToString()


@pytest.fixture
def run_command(settings: Settings, fake_files: FakeFilesServer, capsys):
    async def run(*arguments: str, files_address: str | None = None) -> tuple[int, dict]:
        """The exit status and the JSON report."""
        parser = argparse.ArgumentParser()
        reconcile_cli.add_arguments(parser)
        options = parser.parse_args(
            ["--json", "--grace-seconds", "0", "--events-timeout-seconds", "5", *arguments]
        )
        address = files_address or fake_files.address
        status = await reconcile_cli.reconcile(
            settings.model_copy(update={"files_address": address}), options
        )
        output = capsys.readouterr().out
        return status, json.loads(output) if output else {}

    return run


@pytest.fixture
async def lists_out_of_step(auth_server: AuthServer, fake_files: FakeFilesServer, publisher) -> None:
    """files owns f1-f4; the lists got f1, f2 (with another name since), f5 (deleted since), never f3, f4."""
    files = fake_files.servicer
    for file_url in ("f1", "f2", "f3", "f4"):
        files.owned[file_url] = owned_file(file_url, "acc-1", CREATED)
    for owned in (files.owned["f1"], files.owned["f2"], owned_file("f5", "acc-2", CREATED)):
        await publisher.publish("files.uploaded", uploaded_event(owned), f"up-{owned.file.file_url}")
    files.owned["f2"].file.user_filename = "renamed.txt"

    async def publish_again(owned: files_pb2.OwnedFile) -> None:
        await publisher.publish("files.uploaded", uploaded_event(owned), f"again-{owned.file.file_url}")

    files.on_republish = publish_again


def found(report: dict) -> dict[str, int]:
    return {kind: tally["found"] for kind, tally in report["kinds"].items() if tally["found"]}


def subjects(report: dict, kind: str) -> list[str]:
    return [sample["subject"] for sample in report["kinds"][kind]["samples"]]


async def test_reconcile_reports_every_difference_and_changes_nothing(
    run_command, lists_out_of_step, fake_files
) -> None:
    status, report = await run_command()

    assert status == 1
    assert found(report) == {"missing_from_list": 2, "stale_in_list": 1, "differing_in_list": 1}
    assert subjects(report, "missing_from_list") == ["f3", "f4"]
    assert subjects(report, "stale_in_list") == ["f5"]
    assert subjects(report, "differing_in_list") == ["f2"]
    assert report["checked"] == {"owned_files": 4, "list_entries": 3}
    assert (report["notes"], report["errors"]) == ([], [])
    assert fake_files.servicer.republish_requests == []


async def test_reconcile_with_repair_leaves_the_lists_exactly_as_files_has_them(
    run_command, lists_out_of_step, fake_files
) -> None:
    status, report = await run_command("--repair")

    assert status == 1
    counts = {kind: (t["found"], t["repaired"], t["remaining"]) for kind, t in report["kinds"].items()}
    assert counts == {
        "missing_from_list": (2, 2, 0),
        "stale_in_list": (1, 1, 0),
        "differing_in_list": (1, 1, 0),
    }
    assert fake_files.servicer.republish_requests == [["f3", "f4", "f5"]]

    status, again = await run_command()

    assert (status, again["differences"]) == (0, 0)
    assert again["checked"] == {"owned_files": 4, "list_entries": 5}


async def test_reconcile_fails_with_status_2_when_files_cannot_be_reached(
    run_command, auth_server, caplog
) -> None:
    status, report = await run_command(files_address="127.0.0.1:1")

    assert (status, report) == (2, {})
    assert "the files service answered UNAVAILABLE" in caplog.text
