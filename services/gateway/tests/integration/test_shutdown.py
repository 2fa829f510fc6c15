"""SIGTERM on a real uvicorn: not ready at once while still serving, then a graceful drain; a request
that outlives the grace period gets a JSON 503, never uvicorn's plain-text 500."""

import asyncio
import json
import signal

import httpx

from gateway.uploads import MESSAGE_BYTES

BOUNDARY = "shutdowntestboundary"


def stalled_upload_head(host: str, port: int) -> bytes:
    part = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="stalled.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return (
        (
            f"POST /api/upload HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(part) + 10 * 1024 * 1024}\r\n\r\n"
        ).encode()
        + part
        + b"\0" * (2 * MESSAGE_BYTES + 300_000)
    )  # two messages: files hears of an upload with its second


async def test_sigterm_turns_readiness_off_at_once_and_serves_until_the_delay_ends(serve_app, settings_for):
    served = await serve_app(settings_for(shutdown_delay_seconds=1.0, shutdown_grace_seconds=2.0))
    async with httpx.AsyncClient(base_url=served.base_url) as http:
        assert (await http.get("/readyz")).status_code == 200

        served.server.handle_exit(signal.SIGTERM, None)

        r = await http.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "error", "message": "shutting down", "checks": {}}
        assert (await http.get("/healthz")).status_code == 200
        late = await http.post("/api/upload", files={"file": ("late.txt", b"still taken")})
        assert late.status_code == 200
    await asyncio.sleep(0.5)
    assert not served.task.done()
    await asyncio.wait_for(served.task, 2)


async def test_request_outliving_the_grace_period_gets_a_json_503(serve_app, settings_for, fake_files):
    served = await serve_app(settings_for(shutdown_delay_seconds=0, shutdown_grace_seconds=0.5))
    host, port = served.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(stalled_upload_head(host, int(port)))
    await writer.drain()
    async with asyncio.timeout(10):
        while not fake_files.servicer.chunks_received:
            await asyncio.sleep(0.01)

    served.server.handle_exit(signal.SIGTERM, None)

    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503")
    assert json.loads(body) == {"status": "error", "message": "The gateway is shutting down, try again"}
    await asyncio.wait_for(fake_files.servicer.upload_cancelled.wait(), 5)
    await asyncio.wait_for(served.task, 5)
