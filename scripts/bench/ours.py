"""Our default stack as `make run` starts it (SQLite, local disk, a private nats-server, one gateway
worker), with the rate limits raised and only warnings logged (no access lines: the reference logs none)."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator

from bench import api_seed
from bench.target import API_UPLOAD, SampleFiles, Target
from stack import Stack, StackConfig, free_port

UNLIMITED = "100000000/minute"
SETTINGS = {
    "FU_GATEWAY_UPLOAD_RATE_LIMIT": UNLIMITED,
    "FU_GATEWAY_AUTH_RATE_LIMIT": UNLIMITED,
    "FU_GATEWAY_LOG_LEVEL": "WARNING",
    "FU_AUTH_LOG_LEVEL": "WARNING",
    "FU_FILES_LOG_LEVEL": "WARNING",
}
MEASURED_PROCESSES = ("gateway", "files")  # those an upload's bytes pass through


@contextlib.contextmanager
def running(workdir: pathlib.Path, samples: SampleFiles) -> Iterator[Target]:
    config = StackConfig(
        workdir / "ours",
        gateway_port=free_port(),
        auth_port=free_port(),
        files_port=free_port(),
        nats_port=free_port(),
        env=dict(SETTINGS),
    )
    stack = Stack(config).start()
    try:
        token, downloads = api_seed.seed(stack.gateway_url, samples)
        yield Target(
            "ours",
            "ours (default stack)",
            stack.gateway_url,
            API_UPLOAD,
            downloads,
            token,
            {name: stack.processes[name].pid for name in MEASURED_PROCESSES},
        )
    finally:
        stack.stop()
