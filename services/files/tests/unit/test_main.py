"""`python -m files_service` serves on uvloop, the faster event loop grpc.aio runs on."""

import asyncio
import sys

import pytest
import uvloop

from files_service import __main__ as entry


def test_the_server_runs_on_uvloop(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    loops = []

    async def serve(settings: object) -> None:
        loops.append(asyncio.get_running_loop())

    monkeypatch.setattr(sys, "argv", ["files_service"])
    monkeypatch.setenv("FU_FILES_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(entry, "serve", serve)
    monkeypatch.setattr(entry, "protect_local_data", lambda settings: None)
    monkeypatch.setattr(entry, "configure_logging", lambda service, level, log_format: None)
    entry.main()
    assert len(loops) == 1 and isinstance(loops[0], uvloop.Loop)
