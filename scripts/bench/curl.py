"""curl: one client moving whole files one after another over a kept-alive connection, for the
throughput of large transfers. One curl process runs a batch (`--next` between transfers); each
transfer's status, size and time come from its --write-out line."""

from __future__ import annotations

import math
import pathlib
import subprocess

from bench.results import MIB, Measurement
from bench.target import UploadRoute

WRITE_OUT = r"%{http_code} %{size_download} %{size_upload} %{time_total}\n"
TRANSFER_TIMEOUT_SECONDS = 300  # per transfer: 100 MB at well under 1 MB/s still ends


def download_args(url: str) -> list[str]:
    """Redirects are followed: a presigned redirect's bytes come from the store."""
    return ["-sSL", "-o", "/dev/null", "-w", WRITE_OUT, "--max-time", str(TRANSFER_TIMEOUT_SECONDS), url]


def upload_args(url: str, route: UploadRoute, file: pathlib.Path) -> list[str]:
    body = (
        ["-F", f"file=@{file};filename=bench.bin;type=application/octet-stream"]
        if route.multipart
        else ["-X", route.method, "-T", str(file)]
    )
    # no "Expect: 100-continue": curl would wait for an interim answer before each large body
    return [
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        WRITE_OUT,
        "--max-time",
        str(TRANSFER_TIMEOUT_SECONDS),
        "-H",
        "Expect:",
        *body,
        url,
    ]


def batch_command(transfer: list[str], count: int) -> list[str]:
    argv = ["curl", *transfer]
    for _ in range(count - 1):
        argv += ["--next", *transfer]
    return argv


def run_batch(transfer: list[str], count: int) -> list[tuple[int, int, float]]:
    """Each transfer's (status, bytes moved, seconds); RuntimeError when curl itself fails."""
    done = subprocess.run(
        batch_command(transfer, count),
        capture_output=True,
        text=True,
        check=False,
        timeout=count * TRANSFER_TIMEOUT_SECONDS + 30,
    )
    lines = parse_lines(done.stdout)
    if done.returncode != 0 and not lines:
        raise RuntimeError(f"curl failed ({done.returncode}): {done.stderr.strip()}")
    return lines


def parse_lines(out: str) -> list[tuple[int, int, float]]:
    transfers = []
    for line in out.splitlines():
        status, downloaded, uploaded, seconds = line.split()
        transfers.append((int(status), max(int(downloaded), int(uploaded)), float(seconds)))
    return transfers


def summarize(transfers: list[tuple[int, int, float]], size: int) -> Measurement:
    """Throughput of the file's bytes: `size` per successful transfer over the time all transfers took
    (an upload's or download's multipart and header bytes are not counted)."""
    ok = [t for t in transfers if 200 <= t[0] < 300]
    total_seconds = sum(t[2] for t in transfers)
    if not transfers or total_seconds <= 0:
        return Measurement(errors=len(transfers))
    return Measurement(
        requests=len(transfers),
        requests_per_second=len(ok) / total_seconds,
        mib_per_second=len(ok) * size / MIB / total_seconds,
        p50_ms=_percentile_ms([t[2] for t in transfers], 0.50),
        p99_ms=_percentile_ms([t[2] for t in transfers], 0.99),
        errors=len(transfers) - len(ok),
    )


def transfers_for(seconds: float, probe_seconds: float, size: int, max_bytes: int, max_count: int) -> int:
    """How many transfers of `size` bytes fill about `seconds`, one taking `probe_seconds`; at least one."""
    by_time = math.ceil(seconds / max(probe_seconds, 1e-4))
    return max(1, min(by_time, max_bytes // max(size, 1), max_count))


def _percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)] * 1000
