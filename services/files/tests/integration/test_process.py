"""`python -m files_service` as a real process: what it keeps on this machine is its user's alone."""

import asyncio
import os
import re
import signal
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

LISTENING = re.compile(rb"files service listening on")


async def started_files(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, bytes]:
    """The running process and what it logged until it listened."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "files_service", env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    logged = b""
    while not LISTENING.search(logged):
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        assert line, f"the process ended before it listened:\n{logged.decode()}"
        logged += line
    return process, logged


async def test_process_makes_an_open_data_dir_its_database_and_blobs_private(tmp_path: Path, nats_server):
    data_dir, blobs = tmp_path / "data", tmp_path / "data" / "blobs"
    blobs.mkdir(parents=True)
    sqlite3.connect(data_dir / "files.db").close()
    for path, mode in ((data_dir, 0o755), (blobs, 0o755), (data_dir / "files.db", 0o644)):
        path.chmod(mode)
    env = {key: value for key, value in os.environ.items() if not key.startswith("FU_FILES_")}
    env |= {
        "FU_FILES_DATA_DIR": str(data_dir),
        "FU_FILES_LISTEN_ADDRESS": "127.0.0.1:0",
        "FU_FILES_METRICS_PORT": "0",
        "FU_FILES_NATS_URL": nats_server.url,
        "FU_FILES_SHUTDOWN_DELAY_SECONDS": "0",
    }

    process, logged = await started_files(env)
    try:
        modes = {
            str(path.relative_to(tmp_path)): stat.S_IMODE(path.stat().st_mode)
            for path in (data_dir, *data_dir.rglob("*"))
        }
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 20)

    # files.db-wal and -shm and blobs/.tmp were created by this start: private from the first byte
    assert modes == {
        "data": 0o700,
        "data/blobs": 0o700,
        "data/blobs/.tmp": 0o700,
        "data/files.db": 0o600,
        "data/files.db-wal": 0o600,
        "data/files.db-shm": 0o600,
    }
    assert f"{blobs} was open to other users (mode 0755); it is now 0700".encode() in logged
