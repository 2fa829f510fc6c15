"""Each account's file list (get_files), fed by file events; read-your-writes."""

import datetime as dt
import re

import nats
import pytest

from fileuploader.events.v1 import file_events_pb2
from support.api import assert_auth_error, bearer, client, get_files, register, uploaded


def test_get_files_lists_the_accounts_files_with_every_field(stack, base_url):
    with client(base_url) as c:
        account = register(c)
        token = account["accessToken"]
        one = uploaded(c, "one.txt", b"1", token=token)
        two = uploaded(c, "two.PNG", b"22", token=token, include_ext="true")
        uploaded(c, "anonymous.txt", b"3")
        for path in ("/api/get_files", "/api/getFiles"):
            r = c.get(path, headers=bearer(token))
            assert r.status_code == 200, r.text
            body = r.json()
            assert (body["status"], body["message"], body["username"]) == (
                "success",
                "files got successfully",
                account["username"],
            )
            assert [f["file_url"] for f in body["data"]] == [two["file_url"], one["file_url"]], "newest first"
            item = body["data"][0]
            assert (
                item["file_url_full"] == f"{stack.config.env['FU_GATEWAY_PUBLIC_URL']}/file/{two['file_url']}"
            )
            assert (item["key"], item["ext"], item["user_filename"], item["synced"]) == (
                two["key"],
                ".png",
                "two.PNG",
                True,
            )
            assert item["size"] == 2
            today = dt.datetime.now(dt.UTC).date()
            assert item["creation_date"] == f"{today.day}.{today.month}.{today.year}"
            assert re.match(r"\d{4}-\d\d-\d\dT", item["created_at"])


def test_get_files_is_empty_for_a_new_account(base_url):
    with client(base_url) as c:
        assert get_files(c, register(c)["accessToken"]) == []


def test_get_files_needs_a_valid_token(base_url):
    with client(base_url) as c:
        assert_auth_error(c.get("/api/get_files"), -1, "No Authorization header provided")
        assert_auth_error(c.get("/api/getFiles", headers=bearer("x.y.z")), -4, "Invalid access token")


def test_every_upload_and_delete_shows_in_the_very_next_listing(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        expected: list[str] = []
        for i in range(15):
            body = uploaded(c, f"f{i}.txt", b"x", token=token)
            expected.insert(0, body["file_url"])
            assert [f["file_url"] for f in get_files(c, token)] == expected
            if i % 3 == 2:
                assert (
                    c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]}).status_code == 200
                )
                expected.remove(body["file_url"])
                assert [f["file_url"] for f in get_files(c, token)] == expected


def test_listing_is_shared_by_every_token_of_the_account(base_url):
    with client(base_url) as c:
        account = register(c, password="pw")
        url = uploaded(c, token=account["accessToken"])["file_url"]
        other_token = c.post("/api/login", json={"username": account["username"], "password": "pw"}).json()[
            "accessToken"
        ]
        assert [f["file_url"] for f in get_files(c, other_token)] == [url]


@pytest.mark.asyncio
async def test_upload_and_delete_publish_protobuf_events_with_a_dedupe_id(stack):
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        body = uploaded(c, "evt.txt", b"event", token=token)
        c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]})
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials("auth"))
    try:
        js = nc.jetstream()
        uploaded_event = await _last_event_for(
            js, "files.uploaded", body["file_url"], file_events_pb2.FileUploaded
        )
        deleted_event = await _last_event_for(
            js, "files.deleted", body["file_url"], file_events_pb2.FileDeleted
        )
    finally:
        await nc.close()
    message, event = uploaded_event
    assert message.headers["Nats-Msg-Id"] == event.event_id
    assert (
        event.owner_account_id and event.delete_key == body["key"] and event.size == 5 and event.ext == ".txt"
    )
    message, event = deleted_event
    assert message.headers["Nats-Msg-Id"] == event.event_id and event.owner_account_id


async def _last_event_for(js, subject, file_url, message_type):
    info = await js.stream_info("FILE_EVENTS")
    for seq in range(info.state.last_seq, info.state.first_seq - 1, -1):
        message = await js.get_msg("FILE_EVENTS", seq)
        if message.subject != subject:
            continue
        event = message_type.FromString(message.data)
        if event.file_url == file_url:
            return message, event
    raise AssertionError(f"no {subject} event for {file_url}")


def test_an_upload_answered_synced_is_in_the_next_listing_even_before_its_event_reaches_the_stream(
    make_stack,
):
    stack = make_stack()
    with client(stack.gateway_url) as c:
        token = register(c)["accessToken"]
        before = uploaded(c, "before.txt", b"1", token=token)
        assert [f["file_url"] for f in get_files(c, token)] == [before["file_url"]]
        stack.processes["nats"].stop()

        during = uploaded(c, "during.txt", b"22", token=token)

        assert during["synced"] is True
        files = get_files(c, token)
        assert [f["file_url"] for f in files] == [during["file_url"], before["file_url"]]
        assert (files[0]["key"], files[0]["size"], files[0]["user_filename"]) == (
            during["key"],
            2,
            "during.txt",
        )
