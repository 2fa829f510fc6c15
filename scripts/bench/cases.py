"""The cases, each measured the same way on every target:

small_get       GET of the 1 KiB sample, wrk, at each concurrency
small_upload    upload of the 64 KiB sample, hey, at each concurrency
get_files       GET /api/get_files of an account with 20 files, wrk at the table's concurrency
download_sizes  GET of each sample size, curl, one transfer after another
upload_sizes    upload of each sample size, curl, one transfer after another
memory          peak memory growth of the target's processes during one 100 MB upload (curl)
"""

from __future__ import annotations

import pathlib
import sys

from bench import curl, hey, memory, multipart, wrk
from bench.plan import Plan
from bench.results import MIB, Measurement
from bench.target import SampleFiles, Target


def small_get(target: Target, plan: Plan) -> list[dict]:
    url = target.url(target.downloads[plan.small_get_size])
    return [
        _point(target, "small GET", {"concurrency": clients}, wrk.run(url, clients, plan.seconds))
        for clients in plan.concurrencies
    ]


def small_upload(target: Target, plan: Plan, samples: SampleFiles, workdir: pathlib.Path) -> list[dict]:
    sample = samples.path(plan.small_upload_size)
    if target.upload.multipart:
        body = multipart.write_body(sample, workdir / f"multipart-{plan.small_upload_size}.bin")
        content_type = multipart.CONTENT_TYPE
    else:
        body, content_type = sample, "application/octet-stream"
    url = target.url(target.upload.path)
    return [
        _point(
            target,
            "small upload",
            {"concurrency": clients},
            hey.run(url, target.upload.method, body, content_type, clients, plan.seconds),
        )
        for clients in plan.concurrencies
    ]


def get_files(target: Target, plan: Plan, workdir: pathlib.Path) -> dict | None:
    if target.token is None:
        return None
    script = wrk.header_script(workdir, {"Authorization": f"Bearer {target.token}"})
    measured = wrk.run(target.url("/api/get_files"), plan.get_clients, plan.seconds, script)
    return _point(target, "get_files", {"concurrency": plan.get_clients}, measured)


def download_sizes(target: Target, plan: Plan) -> list[dict]:
    return [
        _transfers(target, plan, size, curl.download_args(target.url(target.downloads[size])), "download")
        for size in plan.sizes
    ]


def upload_sizes(target: Target, plan: Plan, samples: SampleFiles) -> list[dict]:
    url = target.url(target.upload.path)
    return [
        _transfers(target, plan, size, curl.upload_args(url, target.upload, samples.path(size)), "upload")
        for size in plan.sizes
    ]


def memory_growth(target: Target, plan: Plan, samples: SampleFiles) -> dict | None:
    if not target.memory_pids:
        return None
    url = target.url(target.upload.path)
    _check(curl.run_batch(curl.upload_args(url, target.upload, samples.path(plan.warmup_size)), 1), "warm-up")
    with memory.peak_growth(target.memory_pids) as growth:
        _check(
            curl.run_batch(curl.upload_args(url, target.upload, samples.path(plan.large_size)), 1),
            "100 MB upload",
        )
    total = sum(growth.values())
    parts = ", ".join(f"{name} {value / MIB:.1f}" for name, value in growth.items())
    _say(
        f"{target.name}: memory growth during a {plan.large_size // MIB} MiB upload: "
        f"{total / MIB:.1f} MiB ({parts})"
    )
    return {"size_bytes": plan.large_size, "growth_bytes": total, "by_process": growth}


def measure(target: Target, plan: Plan, samples: SampleFiles, workdir: pathlib.Path) -> dict:
    """Every case the target takes, in bench.json's shape (a case it does not take is null)."""
    cases = {
        "small_get": lambda: small_get(target, plan),
        "small_upload": lambda: small_upload(target, plan, samples, workdir),
        "get_files": lambda: get_files(target, plan, workdir),
        "download_sizes": lambda: download_sizes(target, plan),
        "upload_sizes": lambda: upload_sizes(target, plan, samples),
        "memory": lambda: memory_growth(target, plan, samples),
    }
    taken = cases.keys() if target.cases is None else target.cases
    return {"label": target.label, **{name: run() if name in taken else None for name, run in cases.items()}}


def _transfers(target: Target, plan: Plan, size: int, transfer: list[str], what: str) -> dict:
    probe = _check(curl.run_batch(transfer, 1), f"{what} of {size} B")  # also warms up; not counted
    count = curl.transfers_for(
        plan.transfer_seconds, probe[0][2], size, plan.max_transfer_bytes, plan.max_transfers
    )
    measured = curl.summarize(curl.run_batch(transfer, count), size)
    return _point(target, f"{what} {size} B", {"size_bytes": size}, measured)


def _check(transfers: list[tuple[int, int, float]], what: str) -> list[tuple[int, int, float]]:
    if not transfers or not all(200 <= status < 300 for status, _, _ in transfers):
        raise RuntimeError(f"{what} failed: {transfers}")
    return transfers


def _point(target: Target, case: str, where: dict, measured: Measurement) -> dict:
    figures = f"{measured.requests_per_second:.0f} req/s"
    if "size_bytes" in where:
        figures += f", {measured.mib_per_second:.1f} MiB/s"
    else:
        figures += f", p99 {measured.p99_ms:.1f} ms"
    where_text = ", ".join(f"{k}={v}" for k, v in where.items())
    errors = f", {measured.errors} ERRORS" if measured.errors else ""
    _say(f"{target.name}: {case} ({where_text}): {figures}{errors}")
    return {**where, **measured.as_json()}


def _say(line: str) -> None:
    print(f"bench: {line}", file=sys.stderr, flush=True)
