"""Starting and stopping a server the bench owns, every wait bounded."""

from __future__ import annotations

import contextlib
import pathlib
import subprocess
import time

from stack import http_status

STOP_SECONDS = 10.0


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float, log: pathlib.Path) -> None:
    """Until `url` answers any HTTP status; RuntimeError when the process exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited at start ({process.returncode}){tail(log)}")
        if http_status(url) is not None:
            return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s{tail(log)}")


def tail(log: pathlib.Path) -> str:
    return "\n" + log.read_text(errors="replace")[-2000:] if log.exists() else ""


def stop(process: subprocess.Popen, sig: int | None = None) -> None:
    """`sig` (SIGTERM by default), then SIGKILL after STOP_SECONDS."""
    if process.poll() is None:
        process.send_signal(sig) if sig is not None else process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_SECONDS)
