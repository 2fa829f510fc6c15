"""wrk (Debian package `wrk`): fixed-duration GET load over keep-alive connections, and its report parsed."""

from __future__ import annotations

import pathlib
import re
import subprocess

from bench.results import MIB, Measurement

TIMEOUT_SECONDS = 30  # per request: a slow answer counts in the latency instead of as a timeout
_LATENCY_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": MIB, "GB": 1024 * MIB}


def header_script(directory: pathlib.Path, headers: dict[str, str]) -> pathlib.Path:
    """A Lua script that sends `headers` with every request."""
    path = directory / "wrk-headers.lua"
    path.write_text("".join(f'wrk.headers["{name}"] = "{value}"\n' for name, value in headers.items()))
    return path


def command(url: str, connections: int, seconds: float, script: pathlib.Path | None = None) -> list[str]:
    threads = min(2, connections)  # wrk needs at least one connection per thread
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={TIMEOUT_SECONDS}s",
        "--latency",
    ]
    if script is not None:
        argv += ["-s", str(script)]
    return [*argv, url]


def run(url: str, connections: int, seconds: float, script: pathlib.Path | None = None) -> Measurement:
    argv = command(url, connections, seconds, script)
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=seconds + TIMEOUT_SECONDS + 30
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)


def parse(out: str) -> Measurement:
    requests = re.search(r"^\s*(\d+) requests in ", out, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    transfer = re.search(r"^Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out, re.MULTILINE)
    if not requests or not rate:
        raise ValueError(f"not a wrk report:\n{out}")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    lost = sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return Measurement(
        requests=int(requests.group(1)),
        requests_per_second=float(rate.group(1)),
        mib_per_second=float(transfer.group(1)) * _SIZE_UNITS[transfer.group(2)] / MIB if transfer else 0.0,
        p50_ms=_percentile(out, "50"),
        p99_ms=_percentile(out, "99"),
        errors=lost + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def _percentile(out: str, percent: str) -> float:
    match = re.search(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    return float(match.group(1)) * _LATENCY_UNITS_MS[match.group(2)] if match else float("nan")
