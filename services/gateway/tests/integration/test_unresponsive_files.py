"""A files service that is up (it answers pings) but stuck: each step of an upload or a download
stream has its bound, so the transfer gets a JSON 503 (or, begun, is cut) instead of hanging; a
transfer slower than the bound in all, whose every step is within it, goes through."""

import asyncio
import os
import time

import httpx
import pytest

STEP_SECONDS = 0.5
ANSWERED_WITHIN_SECONDS = STEP_SECONDS + 1.5
UNAVAILABLE = {"status": "error", "message": "Files service is unavailable, try again later"}
MB = 1024 * 1024


@pytest.fixture
async def step_bound_client(make_client):
    return await make_client(stream_step_timeout_seconds=STEP_SECONDS)


async def timed(request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


@pytest.mark.parametrize(
    "stall,size",
    [("upload", 2 * MB), ("answer", 6)],
    ids=["files-takes-no-more-messages", "files-never-answers"],
)
async def test_upload_is_503_and_cancelled_when_files_is_stuck(step_bound_client, fake_files, stall, size):
    fake_files.servicer.stall = stall
    r, took = await timed(step_bound_client.post("/api/upload", files={"file": ("a.bin", os.urandom(size))}))
    assert (r.status_code, r.json()) == (503, UNAVAILABLE)
    assert took < ANSWERED_WITHIN_SECONDS, f"answered after {took:.1f} s"
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    assert fake_files.servicer.blobs == {}


async def test_download_is_503_when_files_sends_nothing(step_bound_client, fake_files):
    url = fake_files.servicer.put("a.bin", os.urandom(MB)).file_url
    fake_files.servicer.stall = "download"
    r, took = await timed(step_bound_client.get("/file/" + url))
    assert (r.status_code, r.json()) == (503, UNAVAILABLE)
    assert took < ANSWERED_WITHIN_SECONDS, f"answered after {took:.1f} s"
    await asyncio.wait_for(fake_files.servicer.read_cancelled.wait(), 5)


async def test_download_in_progress_is_cut_when_files_stops_sending(serve, settings_for, fake_files):
    data = os.urandom(MB)
    url = fake_files.servicer.put("a.bin", data).file_url
    fake_files.servicer.stall = "rest"
    base_url = await serve(settings_for(stream_step_timeout_seconds=STEP_SECONDS))
    received = bytearray()
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            async with http.stream("GET", "/file/" + url) as response:
                assert response.status_code == 200
                async for chunk in response.aiter_bytes():
                    received += chunk
    took = time.monotonic() - started
    assert 0 < len(received) < len(data) and took < ANSWERED_WITHIN_SECONDS, (len(received), took)
    await asyncio.wait_for(fake_files.servicer.read_cancelled.wait(), 5)


async def test_download_slower_in_all_than_the_step_bound_is_served_whole(step_bound_client, fake_files):
    data = os.urandom(8 * 64 * 1024)
    url = fake_files.servicer.put("a.bin", data).file_url
    fake_files.servicer.read_delay_seconds = STEP_SECONDS / 3
    r, took = await timed(step_bound_client.get("/file/" + url))
    assert r.status_code == 200 and r.content == data
    assert took > 2 * STEP_SECONDS, "not slower than the bound in all: the test proves nothing"


async def test_upload_slower_in_all_than_the_step_bound_is_stored(step_bound_client, fake_files):
    """The client takes its time; files takes each message at once: nothing to cut."""
    pieces = [b"x" * 64 * 1024] * 6

    async def trickle():
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n'
        for piece in pieces:
            await asyncio.sleep(STEP_SECONDS / 2)
            yield piece
        yield b"\r\n--b--\r\n"

    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    r, took = await timed(step_bound_client.post("/api/upload", content=trickle(), headers=headers))
    assert r.status_code == 200, r.text
    assert fake_files.servicer.blobs[r.json()["file_url"]].data == b"".join(pieces)
    assert took > 2 * STEP_SECONDS, "not slower than the bound in all: the test proves nothing"
