"""`python -m files_service admin` in process, against a real database (SQLite and PostgreSQL), disk and
nats-server: blocked bytes refused by the service, an operator's delete published like a user's."""

import argparse
import dataclasses
import hashlib
import json
import logging

import nats
import pytest

from files_service.adapters.database import create_engine
from files_service.adapters.event_codec import encode_event
from files_service.adapters.schema import SCHEMA
from files_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from files_service.bootstrap import bootstrap
from files_service.domain.blocking import BlockedHash
from files_service.domain.errors import ContentBlocked, FileUrlTaken
from files_service.domain.model import StoredFile, UploadRequest
from files_service.entrypoints import admin_cli
from files_service.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(make_settings, nats_server, database_url) -> Settings:
    return make_settings(nats_url=nats_server.url, database_url=database_url)


@pytest.fixture
async def application(settings):
    application = await bootstrap(settings)
    yield application
    await application.close()


@pytest.fixture
def admin(settings, capsys):
    """admin("show", url) -> (exit status, the JSON printed or None)."""

    async def run(*arguments: str) -> tuple[int, object]:
        parser = argparse.ArgumentParser()
        admin_cli.add_arguments(parser)
        status = await admin_cli.run(
            settings, parser.parse_args(["--operator", "ops-1", "--json", *arguments])
        )
        out = capsys.readouterr().out
        return status, json.loads(out) if out else None

    return run


def upload(name: str = "report.pdf", owner: str = "acc-1") -> UploadRequest:
    return UploadRequest(user_filename=name, include_ext=False, owner_account_id=owner)


async def test_block_refuses_the_bytes_on_upload_and_keeps_nothing(application, settings, admin, make_chunks):
    sha256 = hashlib.sha256(b"abusive bytes").hexdigest()

    status, blocked = await admin("block", sha256.upper(), "--reason", "report 42")

    assert status == 0 and blocked["sha256"] == sha256 and blocked["newly_blocked"]
    with pytest.raises(ContentBlocked):
        await application.service.upload_file(upload(), make_chunks(b"abusive ", b"bytes"))
    blobs = [path for path in settings.blob_directory.rglob("*") if path.is_file()]
    assert blobs == []
    async with application.uow_factory() as uow:
        assert await uow.files.count() == 0 and await uow.outbox.count() == 0

    assert (await admin("blocked"))[1] == [
        {"sha256": sha256, "reason": "report 42", "blocked_by": "ops-1", "blocked_at": blocked["blocked_at"]}
    ]
    assert (await admin("unblock", sha256))[0] == 0
    stored = await application.service.upload_file(upload(), make_chunks(b"abusive bytes"))
    assert stored.sha256 == sha256
    assert (await admin("unblock", sha256))[0] == admin_cli.EXIT_NOTHING_THERE


async def test_delete_removes_rows_and_bytes_and_publishes_files_deleted(
    application, settings, admin, make_chunks, nats_server
):
    stored = await application.service.upload_file(upload(owner="acc-9"), make_chunks(b"x" * 100))
    client = await nats.connect(nats_server.url)
    deleted_events = await client.subscribe("files.deleted")
    try:
        status, shown = await admin("show", f"https://files.example.test/file/{stored.file_url}?x=1")
        assert status == 0
        assert shown == {
            "file_url": stored.file_url,
            "user_filename": "report.pdf",
            "ext": ".pdf",
            "size": 100,
            "sha256": stored.sha256,
            "owner_account_id": "acc-9",
            "created_at": stored.created_at.isoformat(),
            "stored_in": "store",
        }

        status, result = await admin("delete", "--", stored.file_url)

        assert status == 0 and result["deleted"]["file_url"] == stored.file_url
        message = await deleted_events.next_msg(timeout=5)
        assert stored.file_url.encode() in message.data and b"acc-9" in message.data
    finally:
        await client.close()
    async with application.uow_factory() as uow:
        assert await uow.files.get(stored.file_url) is None and await uow.outbox.count() == 0
    assert not any(path.is_file() for path in settings.blob_directory.rglob("*"))
    assert (await admin("show", "--", stored.file_url))[0] == admin_cli.EXIT_NOTHING_THERE
    assert (await admin("delete", "--", stored.file_url))[0] == admin_cli.EXIT_NOTHING_THERE


async def test_delete_account_files_finishes_an_account_deletion_and_publishes_its_events(
    application, settings, admin, make_chunks, nats_server
):
    mine = [
        await application.service.upload_file(upload(owner="acc-7"), make_chunks(bytes([n]) * 9))
        for n in range(2)
    ]
    anonymous = await application.service.upload_file(upload(owner=""), make_chunks(b"nobody's"))
    client = await nats.connect(nats_server.url)
    deleted_events = await client.subscribe("files.deleted")
    try:
        status, result = await admin("delete-account-files", "acc-7")

        assert (status, result) == (0, {"account_id": "acc-7", "deleted_files": 2})
        heard = [await deleted_events.next_msg(timeout=5) for _ in mine]
        assert sorted(stored.file_url.encode() in message.data for message in heard for stored in mine) == [
            False,
            False,
            True,
            True,
        ]
    finally:
        await client.close()
    async with application.uow_factory() as uow:
        assert [await uow.files.get(stored.file_url) for stored in mine] == [None, None]
        assert await uow.files.get(anonymous.file_url) is not None
    assert await admin("delete-account-files", "acc-7") == (0, {"account_id": "acc-7", "deleted_files": 0})
    assert (await admin("delete-account-files", ""))[0] == admin_cli.EXIT_ERROR


async def test_largest_and_newest_list_files_without_their_keys(application, admin, make_chunks):
    small = await application.service.upload_file(upload("a.txt"), make_chunks(b"1"))
    big = await application.service.upload_file(upload("b.txt"), make_chunks(b"1" * 50))
    newest = await application.service.upload_file(upload("c.txt"), make_chunks(b"1" * 10))

    status, largest = await admin("largest", "--limit", "2")
    assert status == 0 and [row["file_url"] for row in largest] == [big.file_url, newest.file_url]
    status, latest = await admin("newest", "--limit", "1")
    assert status == 0 and [row["file_url"] for row in latest] == [newest.file_url]
    printed = json.dumps(largest + latest)
    assert (
        small.delete_key not in printed and big.delete_key not in printed and big.storage_key not in printed
    )


async def test_a_malformed_hash_or_operator_is_refused_changing_nothing(application, settings, admin):
    assert (await admin("block", "not-a-hash"))[0] == admin_cli.EXIT_ERROR
    parser = argparse.ArgumentParser()
    admin_cli.add_arguments(parser)
    arguments = parser.parse_args(["--operator", "evil\nINFO forged line", "block", "ab" * 32])
    assert await admin_cli.run(settings, arguments) == admin_cli.EXIT_ERROR
    assert (await admin("blocked"))[1] == []


async def test_the_actions_are_logged_with_the_operator(application, admin, make_chunks, caplog):
    caplog.set_level(logging.INFO, logger="files_service.admin")
    await admin("block", "ef" * 32)

    (record,) = [record for record in caplog.records if record.name == "files_service.admin"]
    assert record.operator == "ops-1" and record.admin_action == "block" and record.target == "ef" * 32


async def test_a_database_not_yet_migrated_is_refused_with_what_to_do(settings, admin, caplog):
    assert (await admin("blocked"))[0] == admin_cli.EXIT_ERROR
    assert "python -m files_service migrate" in caplog.text


async def test_blocked_hashes_round_trip_in_the_database(database_url, fixed_now):
    engine = create_engine(database_url)
    try:
        await SCHEMA.upgrade(engine)
        entry = BlockedHash("12" * 32, "r" * 500, "ops", fixed_now)
        async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
            assert await uow.blocked.add(entry)
            assert not await uow.blocked.add(BlockedHash("12" * 32, "again", "ops", fixed_now))
            await uow.commit()
        async with SqlAlchemyUnitOfWork(engine, encode_event, "files") as uow:
            assert await uow.blocked.list_all() == [entry]
            stored = StoredFile(
                "blocked001", "a" * 32, "x.bin", ".bin", 3, "12" * 32, "k" * 36, "", fixed_now
            )
            with pytest.raises(ContentBlocked):
                await uow.files.add(stored)
            other = dataclasses.replace(stored, sha256="34" * 32)
            await uow.files.add(other)  # the transaction goes on after a refusal
            with pytest.raises(FileUrlTaken):
                await uow.files.add(dataclasses.replace(other, storage_key="b" * 32))
            assert await uow.files.get("blocked001") == other
            assert await uow.blocked.remove("12" * 32) and not await uow.blocked.remove("12" * 32)
    finally:
        await engine.dispose()
