"""Time and peak memory of both reconcile commands (check only) over N owned files.

    .venv/bin/python scripts/bench_reconcile.py 20000 100000

For each N: two fresh PostgreSQL databases (from FU_TEST_DATABASE_URL, default the local server),
N files with their bytes in a temp directory, account lists with 10 entries missing, a files service
on a free port for ListOwnedFiles; then each command once, as its own process. Everything is removed
afterwards. The data is made by a process of its own: a child's peak memory as the kernel reports it
includes what its parent held when it started the child, so this process stays small.
"""

import asyncio
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from stack import free_port, wait_for_port

MISSING_FROM_LISTS = 10
ADMIN_URL = os.environ.get("FU_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CREATED = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)


async def fill(files_url: str, auth_url: str, blobs: Path, count: int) -> None:
    from auth_service.adapters.database import create_engine as auth_engine
    from auth_service.adapters.schema import SCHEMA as AUTH_SCHEMA
    from files_service.adapters.database import create_engine as files_engine
    from files_service.adapters.schema import SCHEMA as FILES_SCHEMA

    for create, schema, url in (
        (files_engine, FILES_SCHEMA, files_url),
        (auth_engine, AUTH_SCHEMA, auth_url),
    ):
        engine = create(url)
        await schema.upgrade(engine)
        await engine.dispose()
    files, listed = [], []
    for number in range(count):
        file_url, key, delete_key, owner = (
            secrets.token_urlsafe(8)[:10],
            uuid.uuid4().hex,
            str(uuid.uuid4()),
            f"acc-{number % 100}",
        )
        files.append((file_url, key, "f.txt", ".txt", 5, "0" * 64, delete_key, owner, CREATED))
        listed.append((file_url, owner, delete_key, ".txt", "f.txt", 5, CREATED, False))
        (blobs / key[:2] / key[2:4]).mkdir(parents=True, exist_ok=True)
        (blobs / key[:2] / key[2:4] / key).write_bytes(b"hello")
    for url, table, records in (
        (files_url, "files", files),
        (auth_url, "account_files", listed[:-MISSING_FROM_LISTS]),
    ):
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        await connection.copy_records_to_table(table, records=records)
        await connection.close()


async def admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_database() -> str:
    name = f"fu_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    return ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"


def drop_database(url: str) -> None:
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, int, dict]:
    """Wall seconds, peak RSS in MiB, and the JSON report of one command run as its own process."""
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = process.stdout.read()
    _, _, usage = os.wait4(process.pid, 0)
    return time.monotonic() - started, usage.ru_maxrss // 1024, json.loads(output)


def bench(count: int) -> None:
    files_url, auth_url = create_database(), create_database()
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "FU_FILES_DATABASE_URL": files_url,
            "FU_AUTH_DATABASE_URL": auth_url,
            "FU_FILES_DATA_DIR": data,
            "FU_AUTH_DATA_DIR": data,
            "FU_FILES_NATS_URL": "nats://127.0.0.1:1",
            "FU_AUTH_NATS_URL": "nats://127.0.0.1:1",
            "FU_FILES_LISTEN_ADDRESS": f"127.0.0.1:{port}",
            "FU_AUTH_FILES_ADDRESS": f"127.0.0.1:{port}",
            "FU_FILES_LOG_LEVEL": "WARNING",
            "FU_FILES_METRICS_PORT": "0",
        }
        files_service = None
        try:
            subprocess.run(
                [sys.executable, __file__, "--fill", files_url, auth_url, f"{data}/blobs", str(count)],
                check=True,
            )
            files_service = subprocess.Popen(
                [sys.executable, "-m", "files_service"], env=env, stderr=subprocess.DEVNULL
            )
            wait_for_port(port, 30)
            for service, extra in (
                ("files_service", []),
                ("auth_service", ["--events-timeout-seconds", "0"]),
            ):
                seconds, mib, report = measure(
                    [sys.executable, "-m", service, "reconcile", "--json", *extra], env
                )
                print(
                    f"{service:13} {count:>8} files  {seconds:6.1f} s  {mib:4d} MiB peak  "
                    f"checked {report['checked']}  differences {report['differences']}",
                    flush=True,
                )
        finally:
            if files_service is not None:
                files_service.terminate()
                files_service.wait()
            drop_database(files_url)
            drop_database(auth_url)


def main() -> None:
    if sys.argv[1:2] == ["--fill"]:
        files_url, auth_url, blobs, count = sys.argv[2:]
        asyncio.run(fill(files_url, auth_url, Path(blobs), int(count)))
        return
    for count in map(int, sys.argv[1:] or ["20000"]):
        bench(count)


if __name__ == "__main__":
    main()
