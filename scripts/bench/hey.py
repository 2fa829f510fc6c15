"""hey (Debian package `hey`): fixed-duration upload load, every request sending a body from a file,
and its report parsed."""

from __future__ import annotations

import pathlib
import re
import subprocess

from bench.results import Measurement

TIMEOUT_SECONDS = 30  # per request


def command(
    url: str,
    method: str,
    body: pathlib.Path,
    content_type: str,
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> list[str]:
    argv = [
        "hey",
        "-z",
        f"{max(1, round(seconds))}s",
        "-c",
        str(clients),
        "-t",
        str(TIMEOUT_SECONDS),
        "-m",
        method,
        "-D",
        str(body),
        "-T",
        content_type,
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    return [*argv, url]


def run(
    url: str, method: str, body: pathlib.Path, content_type: str, clients: int, seconds: float
) -> Measurement:
    argv = command(url, method, body, content_type, clients, seconds)
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=seconds + TIMEOUT_SECONDS + 30
    )
    if done.returncode != 0:
        raise RuntimeError(f"hey failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)


def parse(out: str) -> Measurement:
    rate = re.search(r"^\s*Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    if not rate:
        raise ValueError(f"not a hey report:\n{out}")
    statuses = {
        int(code): int(count)
        for code, count in re.findall(r"^\s*\[(\d{3})\]\s+(\d+) responses", out, re.MULTILINE)
    }
    failed = sum(
        int(count)
        for count in re.findall(
            r"^\s*\[(\d+)\]\s+(?!\d+ responses).+$", _section(out, "Error distribution:"), re.MULTILINE
        )
    )
    answered = sum(statuses.values())
    return Measurement(
        requests=answered + failed,
        requests_per_second=float(rate.group(1)),
        p50_ms=_percentile(out, "50"),
        p99_ms=_percentile(out, "99"),
        errors=failed + sum(count for code, count in statuses.items() if not 200 <= code < 400),
    )


def _section(out: str, title: str) -> str:
    start = out.find(title)
    return "" if start < 0 else out[start + len(title) :]


def _percentile(out: str, percent: str) -> float:
    match = re.search(rf"^\s*{percent}% in ([\d.]+) secs", out, re.MULTILINE)
    return float(match.group(1)) * 1000 if match else float("nan")
