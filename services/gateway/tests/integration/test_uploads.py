"""POST /api/upload through the real app, against the fake services."""

import asyncio
import hashlib

import grpc
import pytest

from gateway.uploads import MESSAGE_BYTES

BOUNDARY = "gatewaytestboundary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
MB = 1024 * 1024


def file_part(name: str = "a.txt", content: bytes = b"", field: str = "file") -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )


CLOSING = f"--{BOUNDARY}--\r\n".encode()


async def streamed(head: bytes, blocks: int, block: bytes = b"\0" * 65536, tail: bytes = b"", counter=None):
    yield head
    for _ in range(blocks):
        if counter is not None:
            counter.append(1)
        yield block
    yield tail


async def test_upload_answers_every_contract_field_when_anonymous(client, fake_files):
    r = await client.post("/api/upload", files={"file": ("Holiday Video.MP4", b"\0\0\0\x18ftypmp42")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == [
        "status",
        "message",
        "file_url",
        "file_url_full",
        "key",
        "ext",
        "user_filename",
        "synced",
        "auth_error",
        "expires_at",
        "max_downloads",
        "downloads_left",
    ]
    assert (body["expires_at"], body["max_downloads"], body["downloads_left"]) == (None, None, None)
    assert body["status"] == "success" and body["message"] == "File uploaded successfully"
    assert body["file_url_full"] == f"https://files.example.test/file/{body['file_url']}"
    assert body["ext"] == ".mp4" and body["user_filename"] == "Holiday Video.MP4"
    assert body["synced"] is False and body["auth_error"] == {}
    stored = fake_files.servicer.blobs[body["file_url"]]
    assert stored.data == b"\0\0\0\x18ftypmp42" and stored.delete_key == body["key"]


@pytest.mark.parametrize(
    ("size", "messages"),
    [
        (0, 0),
        (1, 1),
        (MESSAGE_BYTES, 1),
        (MESSAGE_BYTES + 1, 2),
        (2 * MESSAGE_BYTES + 7, 3),
    ],
)
async def test_a_file_within_one_message_is_sent_whole_and_a_bigger_one_streamed_byte_for_byte(
    client, fake_files, size, messages
):
    content = bytes(range(251)) * (size // 251) + b"z" * (size % 251)
    r = await client.post("/api/upload", files={"file": ("a.bin", content)})
    assert r.status_code == 200, r.text
    assert fake_files.servicer.blobs[r.json()["file_url"]].data == content
    assert fake_files.servicer.chunks_received == messages


async def test_small_uploads_finished_while_calls_are_out_share_one_call_each_answered_alone(
    client, fake_files
):
    fake_files.servicer.whole_upload_delay_seconds = 0.2
    names = [f"{n}.txt" for n in range(7)] + ["no-extension"]

    replies = await asyncio.gather(
        *(
            client.post(
                "/api/upload", files={"file": (name, name.encode())}, headers={"X-Request-ID": f"req-{n}"}
            )
            for n, name in enumerate(names)
        )
    )

    assert [r.status_code for r in replies] == [200] * 7 + [400]
    assert replies[-1].json()["message"] == "Bad file extension"
    for name, r in zip(names, replies[:-1], strict=False):
        assert fake_files.servicer.blobs[r.json()["file_url"]].data == name.encode()
    assert max(fake_files.servicer.batch_sizes) > 1 and sum(fake_files.servicer.batch_sizes) == len(names)
    assert sorted(fake_files.servicer.request_ids) == sorted(f"req-{n}" for n in range(len(names)))


async def test_small_uploads_go_one_per_call_to_a_files_service_without_batches(client, fake_files):
    fake_files.servicer.batches_unimplemented = True

    replies = await asyncio.gather(
        *(client.post("/api/upload", files={"file": (f"{n}.txt", b"x" * n)}) for n in range(4))
    )

    assert [r.status_code for r in replies] == [200] * 4
    assert sorted(blob.data for blob in fake_files.servicer.blobs.values()) == [b"x" * n for n in range(4)]


async def test_upload_is_synced_under_the_account_when_token_is_valid(client, fake_auth):
    token = fake_auth.servicer.sign_up("alice")
    r = await client.post(
        "/api/upload", files={"file": ("mine.txt", b"mine")}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.json()["synced"] is True and r.json()["auth_error"] == {}
    listed = await client.get("/api/get_files", headers={"Authorization": f"Bearer {token}"})
    assert [item["file_url"] for item in listed.json()["data"]] == [r.json()["file_url"]]


async def test_an_owned_upload_is_recorded_in_the_accounts_list_before_answering_synced(client, fake_auth):
    token = fake_auth.servicer.sign_up("carol")
    r = await client.post(
        "/api/upload", files={"file": ("mine.txt", b"mine")}, headers={"Authorization": f"Bearer {token}"}
    )

    body = r.json()
    assert body["synced"] is True
    [(account_id, recorded)] = fake_auth.servicer.recorded
    assert account_id == fake_auth.servicer.accounts["carol"][1].account_id
    assert (recorded.file_url, recorded.delete_key, recorded.user_filename, recorded.size) == (
        body["file_url"],
        body["key"],
        "mine.txt",
        4,
    )


async def test_an_upload_auth_cannot_record_is_stored_but_not_synced(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("dave")
    fake_auth.servicer.record_failure = grpc.StatusCode.UNAVAILABLE

    r = await client.post(
        "/api/upload", files={"file": ("mine.txt", b"mine")}, headers={"Authorization": f"Bearer {token}"}
    )

    assert r.status_code == 200 and r.json()["synced"] is False and r.json()["auth_error"] == {}
    assert fake_files.servicer.blobs[r.json()["file_url"]].data == b"mine"


@pytest.mark.parametrize(
    "header,error_id,message",
    [
        ("Bearer not-a-jwt", -4, "Invalid access token"),
        ("Bearer expired-token", -3, "Access token expired"),
        ("Bearer tok-revoked", -5, "Token not found"),
        ("Token abc", -2, "Authorization header must have Bearer <token> format"),
        ("Bearer", -2, "Authorization header must have Bearer <token> format"),
        ("Bearer a b", -2, "Authorization header must have Bearer <token> format"),
    ],
)
async def test_upload_is_stored_anonymously_when_authorization_fails(
    client, fake_files, header, error_id, message
):
    r = await client.post(
        "/api/upload", files={"file": ("x.txt", b"still stored")}, headers={"Authorization": header}
    )
    assert r.status_code == 200, r.text
    assert r.json()["synced"] is False
    assert r.json()["auth_error"] == {"message": message, "errorId": error_id}
    assert fake_files.servicer.blobs[r.json()["file_url"]].data == b"still stored"


async def test_upload_appends_extension_when_include_ext_is_true(client):
    r = await client.post(
        "/api/upload", params={"include_ext": "true"}, files={"file": ("Photo.PNG", b"png")}
    )
    assert r.json()["file_url"].endswith(".png")
    r = await client.post("/api/upload", files={"file": ("Photo.PNG", b"png")})
    assert not r.json()["file_url"].endswith(".png")


@pytest.mark.parametrize(("value", "with_ext"), [("YES", True), ("1", True), ("off", False), ("F", False)])
async def test_include_ext_takes_the_spellings_of_a_boolean(client, value, with_ext):
    r = await client.post("/api/upload", params={"include_ext": value}, files={"file": ("Photo.PNG", b"png")})

    assert r.status_code == 200 and r.json()["file_url"].endswith(".png") is with_ext


@pytest.mark.parametrize("value", ["maybe", "", "2"])
async def test_an_include_ext_that_is_no_boolean_is_400_and_stores_nothing(client, fake_files, value):
    r = await client.post("/api/upload", params={"include_ext": value}, files={"file": ("a.txt", b"x")})

    assert r.status_code == 400 and r.json() == {
        "status": "error",
        "message": "Invalid request: query include_ext: Input should be a valid boolean, unable to interpret input",
    }
    assert not fake_files.servicer.blobs


async def test_the_last_of_repeated_include_ext_counts(client):
    r = await client.post(
        "/api/upload?include_ext=false&include_ext=true", files={"file": ("Photo.PNG", b"png")}
    )

    assert r.json()["file_url"].endswith(".png")


async def test_upload_uses_request_base_url_when_no_public_url(make_client):
    client = await make_client(public_url=None)
    r = await client.post("/api/upload", files={"file": ("a.txt", b"x")})
    assert r.json()["file_url_full"] == f"http://gateway.test/file/{r.json()['file_url']}"


async def test_upload_is_400_when_no_file_part(client, fake_files):
    r = await client.post("/api/upload", data={"other": "x"}, files={"attachment": ("a.txt", b"x")})
    assert r.status_code == 400 and r.json() == {"status": "error", "message": "No file uploaded"}
    assert not fake_files.servicer.blobs


@pytest.mark.parametrize(
    "headers,content",
    [
        ({}, b""),
        (MULTIPART, b""),
        ({"Content-Type": "application/json"}, b'{"file": "x"}'),
        ({"Content-Type": "multipart/form-data"}, file_part() + CLOSING),
    ],
)
async def test_upload_is_400_when_body_is_empty_or_not_multipart(client, headers, content):
    r = await client.post("/api/upload", content=content, headers=headers)
    assert r.status_code == 400 and r.json()["message"] == "No file uploaded"


async def test_upload_is_400_when_file_has_no_extension(client, fake_files):
    r = await client.post("/api/upload", files={"file": ("README", b"x")})
    assert r.status_code == 400 and r.json() == {"status": "error", "message": "Bad file extension"}
    assert not fake_files.servicer.blobs


async def test_upload_is_400_when_files_refuses_metadata_while_chunks_are_written(client, fake_files):
    head = file_part("Makefile")[:-2]
    content = streamed(head, 64, tail=b"\r\n" + CLOSING)
    r = await client.post("/api/upload", content=content, headers=MULTIPART)
    assert r.status_code == 400 and r.json()["message"] == "Bad file extension"
    assert not fake_files.servicer.blobs


async def test_upload_is_400_and_stores_nothing_when_two_files_are_sent(client, fake_files):
    content = file_part("one.txt", b"1") + file_part("two.txt", b"2") + CLOSING
    r = await client.post("/api/upload", content=content, headers=MULTIPART)
    assert r.status_code == 400 and r.json()["message"] == "Only one file may be uploaded"
    # a first file that fits one message is held by the gateway: files never hears of it
    assert not fake_files.servicer.blobs and fake_files.servicer.request_ids == []


async def test_upload_is_400_and_cancels_the_stream_when_a_second_file_follows_a_big_one(client, fake_files):
    content = file_part("one.bin", b"1" * 1_100_000) + file_part("two.txt", b"2") + CLOSING
    r = await client.post("/api/upload", content=content, headers=MULTIPART)
    assert r.status_code == 400 and r.json()["message"] == "Only one file may be uploaded"
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert not fake_files.servicer.blobs


async def test_upload_is_400_when_file_name_is_not_utf8(client, fake_files):
    content = file_part().replace(b"a.txt", b"\xff\xfe.txt") + CLOSING
    r = await client.post("/api/upload", content=content, headers=MULTIPART)
    assert r.status_code == 400 and r.json()["message"] == "Bad file name"


async def test_upload_is_400_and_stores_nothing_when_body_is_truncated(client, fake_files):
    content = file_part("a.txt", b"x" * 1000)
    r = await client.post("/api/upload", content=content, headers=MULTIPART)
    assert r.status_code == 400 and r.json()["message"] == "Malformed multipart body"
    assert not fake_files.servicer.blobs and fake_files.servicer.request_ids == []


async def test_upload_is_400_when_body_is_not_multipart_despite_its_type(client):
    r = await client.post("/api/upload", content=b"just some text", headers=MULTIPART)
    assert r.status_code == 400 and r.json()["message"] == "Malformed multipart body"


async def test_upload_is_507_when_storage_is_full(client, fake_files):
    fake_files.servicer.storage_full = True
    r = await client.post("/api/upload", files={"file": ("a.txt", b"x")})
    assert r.status_code == 507
    assert r.json() == {"status": "error", "message": "Storage is full, try again later"}


async def test_upload_of_bytes_an_operator_blocked_is_403(client, fake_files):
    fake_files.servicer.blocked_sha256.add(hashlib.sha256(b"blocked bytes").hexdigest())

    r = await client.post("/api/upload", files={"file": ("a.txt", b"blocked bytes")})

    assert r.status_code == 403
    assert r.json() == {"status": "error", "message": "This file is blocked on this server"}
    assert fake_files.servicer.blobs == {}
    ok = await client.post("/api/upload", files={"file": ("a.txt", b"other bytes")})
    assert ok.status_code == 200


async def test_upload_is_413_when_files_finds_the_file_too_large(client, fake_files):
    fake_files.servicer.max_file_bytes = 10
    r = await client.post("/api/upload", files={"file": ("a.bin", b"x" * 11)})
    assert r.status_code == 413 and r.json()["message"] == "File size exceeds the limit (100MB)"


async def test_upload_accepts_a_file_of_exactly_the_limit(make_client, fake_files):
    client = await make_client(max_upload_bytes=MB)
    r = await client.post("/api/upload", files={"file": ("edge.bin", b"\1" * MB)})
    assert r.status_code == 200, r.text
    assert len(fake_files.servicer.blobs[r.json()["file_url"]].data) == MB


async def test_upload_forwards_bytes_in_messages_of_512_kib(client, fake_files):
    data = bytes(range(256)) * 4096 * 16
    content = streamed(file_part("a.bin")[:-2], 0, tail=data + b"\r\n" + CLOSING)
    r = await client.post("/api/upload", content=content, headers=MULTIPART)
    assert r.status_code == 200, r.text
    assert fake_files.servicer.blobs[r.json()["file_url"]].data == data
    assert fake_files.servicer.chunks_received <= len(data) // MESSAGE_BYTES + 1


async def test_upload_is_cut_off_with_413_once_the_file_passes_the_limit(make_client, fake_files):
    # a limit past two messages: files has heard of the upload (its stream opened) when it is cut off
    client = await make_client(max_upload_bytes=3 * MB)
    blocks_read: list[int] = []
    r = await client.post(
        "/api/upload",
        headers=MULTIPART,
        content=streamed(file_part("big.bin")[:-2], 200, counter=blocks_read),
    )
    assert r.status_code == 413
    assert r.json() == {"status": "error", "message": "File size exceeds the limit (3MB)"}
    assert r.headers["connection"] == "close"
    assert len(blocks_read) <= 3 * MB // 65536 + 2, "the gateway kept reading after the limit"
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert not fake_files.servicer.blobs


async def test_upload_is_413_at_once_when_content_length_is_too_large(make_client, fake_files):
    client = await make_client(max_upload_bytes=MB)
    blocks_read: list[int] = []
    headers = {**MULTIPART, "Content-Length": str(2 * MB + 1)}
    r = await client.post("/api/upload", headers=headers, content=streamed(b"", 40, counter=blocks_read))
    assert r.status_code == 413 and r.json()["message"] == "File size exceeds the limit (1MB)"
    assert blocks_read == [] and fake_files.servicer.chunks_received == 0


async def test_upload_cancels_the_stream_when_the_client_disconnects(make_app, fake_files):
    app = await make_app()
    messages = [
        {"type": "http.request", "body": file_part("a.bin")[:-2], "more_body": True},
        {"type": "http.request", "body": b"x" * (2 * MESSAGE_BYTES + 100_000), "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/upload",
        "raw_path": b"/api/upload",
        "query_string": b"",
        "root_path": "",
        "client": ("198.51.100.1", 1),
        "server": ("gateway.test", 80),
        "headers": [(b"content-type", MULTIPART["Content-Type"].encode()), (b"host", b"gateway.test")],
    }
    await app(scope, receive, send)
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert not fake_files.servicer.blobs
    assert sent[0]["status"] == 400


async def test_upload_sends_the_request_id_to_auth_and_files(client, fake_auth, fake_files):
    token = fake_auth.servicer.sign_up("alice")
    r = await client.post(
        "/api/upload",
        files={"file": ("a.txt", b"x")},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-42"},
    )
    assert r.headers["x-request-id"] == "trace-42"
    assert fake_auth.servicer.request_ids[-1] == "trace-42"
    assert fake_files.servicer.request_ids[-1] == "trace-42"


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there", "caf\u00e9"])
async def test_upload_is_400_and_stores_nothing_when_the_idempotency_key_is_malformed(
    client, fake_files, key
):
    r = await client.post(
        "/api/upload", files={"file": ("a.txt", b"x")}, headers={"Idempotency-Key": key.encode("utf-8")}
    )
    assert r.status_code == 400 and r.json() == {
        "status": "error",
        "message": "Idempotency-Key must be 1-255 printable ASCII characters",
    }
    assert fake_files.servicer.blobs == {}


async def test_upload_accepts_a_255_character_idempotency_key(client, fake_files):
    r = await client.post(
        "/api/upload", files={"file": ("a.txt", b"x")}, headers={"Idempotency-Key": "k" * 255}
    )
    assert r.status_code == 200 and list(fake_files.servicer.blobs) == [r.json()["file_url"]]
