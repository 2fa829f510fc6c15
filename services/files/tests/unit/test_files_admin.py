"""The operators' use cases: show, delete as a user's delete does, block bytes, list files."""

import asyncio
import hashlib
import json
import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from files_service.admin import FilesAdmin
from files_service.domain.blocking import InvalidSha256
from files_service.domain.errors import ContentBlocked, FileNotFound
from files_service.domain.model import UploadRequest
from files_service.entrypoints import admin_cli
from fileuploader_runtime.logs import log_formatter
from fileuploader_runtime.request_ids import RequestIdLogFilter

from .conftest import FakeUnitOfWork

OPERATOR = "alice-ops"


@pytest.fixture
def admin(service, database, fixed_now) -> FilesAdmin:
    return FilesAdmin(lambda: FakeUnitOfWork(database), service, OPERATOR, clock=lambda: fixed_now)


def request(owner: str = "acc-1") -> UploadRequest:
    return UploadRequest(user_filename="report.pdf", include_ext=False, owner_account_id=owner)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_an_upload_of_blocked_bytes_is_refused_and_nothing_kept(
    service, admin, database, blob_store, make_chunks
):
    await admin.block(sha256_of(b"bad bytes"), "abuse report #12")

    with pytest.raises(ContentBlocked):
        await service.upload_file(request(), make_chunks(b"bad ", b"bytes"))

    assert database.files == {} and database.outbox == []
    assert blob_store.blobs == {}


async def test_other_bytes_still_upload_and_unblocked_bytes_upload_again(service, admin, make_chunks):
    await admin.block(sha256_of(b"bad bytes"), "")
    await service.upload_file(request(), make_chunks(b"good bytes"))

    assert await admin.unblock(sha256_of(b"bad bytes"))
    stored = await service.upload_file(request(), make_chunks(b"bad bytes"))
    assert stored.sha256 == sha256_of(b"bad bytes")


async def test_a_blocked_upload_does_not_fail_the_others_of_its_group_commit(
    service, admin, database, make_chunks
):
    await admin.block(sha256_of(b"bad"), "")
    outcomes = await asyncio.gather(
        service.upload_file(request(), make_chunks(b"good 1")),
        service.upload_file(request(), make_chunks(b"bad")),
        service.upload_file(request(), make_chunks(b"good 2")),
        return_exceptions=True,
    )

    assert isinstance(outcomes[1], ContentBlocked)
    assert sorted(stored.size for stored in database.files.values()) == [6, 6]


async def test_block_takes_any_case_and_keeps_the_first_entry(admin, fixed_now):
    first = await admin.block("AB" * 32, "spam")
    again = await admin.block("ab" * 32, "other reason")

    assert first.newly_blocked and not again.newly_blocked
    assert [
        (entry.sha256, entry.reason, entry.blocked_by, entry.blocked_at) for entry in await admin.blocked()
    ] == [("ab" * 32, "spam", OPERATOR, fixed_now)]


@pytest.mark.parametrize("text", ["", "abc", "g" * 64, "a" * 63, "a" * 65])
async def test_block_refuses_what_is_not_a_sha256(admin, database, text):
    with pytest.raises(InvalidSha256):
        await admin.block(text, "")
    assert database.blocked == {}


async def test_unblock_of_a_hash_not_blocked_says_so(admin):
    assert not await admin.unblock("cd" * 32)


async def test_delete_goes_the_way_of_a_users_delete(
    service, admin, database, blob_store, publisher, make_chunks, relay_drained
):
    stored = await service.upload_file(request(owner="acc-7"), make_chunks(b"0123456789"))
    await relay_drained()

    deleted = await admin.delete(stored.file_url)
    await relay_drained()

    assert deleted.owner_account_id == "acc-7" and deleted.size == 10
    assert database.files == {} and blob_store.blobs == {}
    assert [message.subject for message in publisher.published] == ["files.uploaded", "files.deleted"]
    assert "acc-7" in publisher.published[-1].payload.decode()
    with pytest.raises(FileNotFound):
        await admin.show(stored.file_url)


async def test_delete_of_an_unknown_file_is_not_found_and_changes_nothing(admin, database):
    with pytest.raises(FileNotFound):
        await admin.delete("nosuchfile")
    assert database.outbox == []


async def test_show_answers_the_stored_metadata(service, admin, make_chunks):
    stored = await service.upload_file(request(), make_chunks(b"abc"))
    assert await admin.show(stored.file_url) == stored


async def test_largest_and_newest_list_in_their_order_up_to_the_limit(
    admin, database, service, make_chunks, fixed_now
):
    for size in (3, 10, 1):
        await service.upload_file(request(), make_chunks(b"x" * size))
    # Make the smallest the newest.
    smallest = next(stored for stored in database.files.values() if stored.size == 1)
    database.files[smallest.file_url] = replace(smallest, created_at=fixed_now + timedelta(hours=1))

    assert [stored.size for stored in await admin.largest(2)] == [10, 3]
    assert [stored.size for stored in await admin.newest(1)] == [1]
    assert await admin.largest(-5) == []


async def test_each_action_is_logged_with_its_operator_and_no_delete_key(service, admin, make_chunks, caplog):
    stored = await service.upload_file(request(), make_chunks(b"abc"))
    caplog.set_level(logging.INFO, logger="files_service.admin")

    await admin.show(stored.file_url)
    await admin.block(sha256_of(b"zzz"), "why")
    await admin.unblock(sha256_of(b"zzz"))
    await admin.blocked()
    await admin.largest(5)
    await admin.newest(5)
    await admin.delete(stored.file_url)

    records = [record for record in caplog.records if record.name == "files_service.admin"]
    assert [record.admin_action for record in records] == [
        "show",
        "block",
        "unblock",
        "blocked",
        "largest",
        "newest",
        "delete",
    ]
    assert all(record.operator == OPERATOR for record in records)
    assert stored.delete_key not in caplog.text


async def test_in_json_logs_the_operator_and_action_are_fields_of_their_own(admin, caplog):
    caplog.set_level(logging.INFO, logger="files_service.admin")
    await admin.block("ab" * 32, "spam")
    (record,) = [record for record in caplog.records if record.name == "files_service.admin"]
    RequestIdLogFilter().filter(record)

    line = json.loads(log_formatter("files", "json").format(record))

    assert line["operator"] == OPERATOR and line["admin_action"] == "block" and line["target"] == "ab" * 32
    assert (
        line["service"] == "files" and line["message"] == f"operator {OPERATOR}: blocked sha256 {'ab' * 32}"
    )


@pytest.mark.parametrize(
    ("text", "file_url"),
    [
        ("4yn-8yjhsu", "4yn-8yjhsu"),
        ("-yn-8yjhsu", "-yn-8yjhsu"),
        ("https://files.example.test/file/-yn-8yjhsu.mp4", "-yn-8yjhsu.mp4"),
        ("http://127.0.0.1:8080/f/4yn-8yjhsu?download=1#t=3", "4yn-8yjhsu"),
        ("https://files.example.test/file/4yn-8yjhsu/", "4yn-8yjhsu"),
    ],
)
def test_the_admin_command_takes_a_file_url_or_its_link(text, file_url):
    assert admin_cli.file_url_of(text) == file_url
