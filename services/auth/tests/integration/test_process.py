"""`python -m auth_service` as a real process: configuration checks, startup, SIGTERM."""

import asyncio
import json
import os
import re
import signal
import sqlite3
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

pytestmark = pytest.mark.integration

LISTENING = re.compile(rb"auth service listening on (\S+)")
# The longest a start may go without a log line: imports, argon2 and migrations on a busy machine (make test
# runs 4 workers on 2 cores).
LOG_LINE_WAIT_SECONDS = 30


def environment(**variables: str) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("FU_AUTH_")}
    return inherited | {f"FU_AUTH_{key.upper()}": value for key, value in variables.items()}


async def run_auth(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "auth_service",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def listen_address(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    while line := await asyncio.wait_for(process.stderr.readline(), LOG_LINE_WAIT_SECONDS):
        if match := LISTENING.search(line):
            return match.group(1).decode()
    raise AssertionError("the process ended before it listened")


@pytest.fixture
async def running_auth(tmp_path: Path, nats_server) -> AsyncIterator[tuple[asyncio.subprocess.Process, Path]]:
    data_dir = tmp_path / "data"
    env = environment(
        listen_address="127.0.0.1:0",
        data_dir=str(data_dir),
        nats_url=nats_server.url,
        argon2_memory_kib="1024",
        metrics_port="0",
    )
    process = await run_auth(env)
    yield process, data_dir
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_process_refuses_production_without_a_secret() -> None:
    process = await run_auth(environment(environment="production"))

    _, stderr = await asyncio.wait_for(process.communicate(), 20)

    assert process.returncode == 2
    assert b"FU_AUTH_JWT_SECRET must be set to at least 32 characters" in stderr


async def test_process_serves_with_a_generated_secret_and_stops_on_sigterm(running_auth) -> None:
    process, data_dir = running_auth
    address = await listen_address(process)

    async with grpc.aio.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service="fileuploader.auth.v1.AuthService")
        while (await health.Check(request, timeout=5)).status != health_pb2.HealthCheckResponse.SERVING:
            await asyncio.sleep(0.05)

    secret_file = data_dir / "jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert (data_dir / "auth.db").exists()

    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0
    assert b"auth service stopped" in stderr


async def test_process_makes_an_open_data_dir_and_its_files_private(tmp_path: Path, nats_server) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    sqlite3.connect(data_dir / "auth.db").close()
    (data_dir / "jwt-secret").write_text("an earlier development secret, 48 characters long")
    for path, mode in ((data_dir, 0o755), (data_dir / "auth.db", 0o644), (data_dir / "jwt-secret", 0o644)):
        path.chmod(mode)
    env = environment(
        listen_address="127.0.0.1:0",
        data_dir=str(data_dir),
        nats_url=nats_server.url,
        argon2_memory_kib="1024",
        metrics_port="0",
    )
    process = await run_auth(env)
    assert process.stderr is not None
    started = b""
    try:
        while not (match := LISTENING.search(started)):
            line = await asyncio.wait_for(process.stderr.readline(), LOG_LINE_WAIT_SECONDS)
            assert line, "the process ended before it listened"
            started += line
        async with grpc.aio.insecure_channel(match.group(1).decode()) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest(service="fileuploader.auth.v1.AuthService")
            while (await health.Check(request, timeout=5)).status != health_pb2.HealthCheckResponse.SERVING:
                await asyncio.sleep(0.05)
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (data_dir, *data_dir.iterdir())}
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 15)

    # auth.db-wal and -shm were created by this start: private from the first byte
    assert modes == {
        "data": 0o700,
        "auth.db": 0o600,
        "auth.db-wal": 0o600,
        "auth.db-shm": 0o600,
        "jwt-secret": 0o600,
    }
    assert f"{data_dir / 'auth.db'} was open to other users (mode 0644); it is now 0600".encode() in started


async def test_process_logs_one_json_object_a_line_when_asked(tmp_path: Path, nats_server) -> None:
    env = environment(
        listen_address="127.0.0.1:0",
        data_dir=str(tmp_path / "data"),
        nats_url=nats_server.url,
        metrics_port="0",
        log_format="json",
    )
    process = await run_auth(env)
    assert process.stderr is not None
    try:
        records = []
        while not any("auth service listening on" in record["message"] for record in records):
            line = await asyncio.wait_for(process.stderr.readline(), LOG_LINE_WAIT_SECONDS)
            assert line, "the process ended before it listened"
            records.append(json.loads(line))
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 15)

    assert {record["service"] for record in records} == {"auth"}
    assert all({"timestamp", "level", "logger", "message", "request_id"} <= set(record) for record in records)
