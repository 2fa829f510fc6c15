"""A 100 MB upload streams through the gateway process (python -m gateway) without growing it by 32 MB."""

import asyncio
import logging
import os
import pathlib
import subprocess
import sys
import time

import httpx

logger = logging.getLogger(__name__)
MB = 1024 * 1024
BUDGET = 32 * MB
BOUNDARY = "memoryboundary"


def status_fields(pid: int) -> dict[str, int]:
    lines = pathlib.Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in lines)
    return {name: int(fields[name].split()[0]) * 1024 for name in ("VmRSS", "VmHWM")}


def reset_peak(pid: int) -> None:
    pathlib.Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux >= 4.0)


async def streamed_upload(size: int):
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    block = b"\x5a" * MB
    for _ in range(size // MB):
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def started_gateway(tmp_path: pathlib.Path, port: int, fake_auth, fake_files):
    env = {
        **os.environ,
        "FU_GATEWAY_PORT": str(port),
        "FU_GATEWAY_AUTH_ADDRESS": fake_auth.address,
        "FU_GATEWAY_FILES_ADDRESS": fake_files.address,
        "FU_GATEWAY_UPLOAD_RATE_LIMIT": "1000/minute",
        "FU_GATEWAY_LOG_LEVEL": "WARNING",
        "FU_GATEWAY_METRICS_PORT": "0",
    }
    argv = [sys.executable, "-m", "gateway"]
    with open(tmp_path / "gateway.log", "wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient(base_url=base_url) as http:
        while True:
            assert process.poll() is None, (tmp_path / "gateway.log").read_text()
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return process, base_url
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the gateway did not become ready"
            await asyncio.sleep(0.1)


async def test_upload_of_100mb_grows_gateway_peak_rss_by_less_than_32mb(
    tmp_path, unused_port, fake_auth, fake_files, record_property
):
    fake_files.servicer.discard = True
    process, base_url = await started_gateway(tmp_path, unused_port, fake_auth, fake_files)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            warm_up = await http.post("/api/upload", files={"file": ("warm.bin", b"x" * MB)})
            assert warm_up.status_code == 200, warm_up.text
            reset_peak(process.pid)
            baseline = status_fields(process.pid)["VmRSS"]
            r = await http.post(
                "/api/upload",
                content=streamed_upload(100 * MB),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
        assert r.status_code == 200, r.text
        growth = status_fields(process.pid)["VmHWM"] - baseline
    finally:
        process.terminate()
        process.wait(15)
    record_property("peak_rss_growth_mb", round(growth / MB, 1))
    logger.warning(
        "gateway peak RSS growth during a 100 MB upload: %.1f MB (baseline %.1f MB)",
        growth / MB,
        baseline / MB,
    )
    assert fake_files.servicer.blobs[r.json()["file_url"]].info.size == 100 * MB
    assert growth < BUDGET, f"{growth / MB:.1f} MB"
