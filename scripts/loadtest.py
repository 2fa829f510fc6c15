"""`make loadtest`: many concurrent clients against File Uploader, every answer checked.

By default it starts a fresh stack of its own (scripts/stack.py: nats-server, auth, files, gateway)
with the rate limits raised and its data in a temporary directory, on the embedded default SQLite,
or on fresh PostgreSQL databases when --database-url (or FU_LOADTEST_DATABASE_URL) gives an admin
URL to create them on. With --base-url it targets a running gateway instead, and then cannot read
the services' memory or logs.

Each client (asyncio + httpx, one connection each) registers or logs in to its account (some
clients share one, some have none), logs in again every few uploads, uploads bodies generated
from the seed as they are sent, downloads each file (sometimes a Range of it too) and checks its
sha256, deletes a share of its files with their keys, and checks each get_files against what it
knows. At the end every account's list must equal its live files exactly, every live file must
download with its sha256 and every deleted one must be 404. RSS of each process is sampled every
second. Exit status 0 only with no error, no mismatch, no wrong list and memory within the bound.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

from loadgen import plan as workload
from loadgen.environment import SERVICES, logged_errors, own_stack
from loadgen.memory import MemoryFigures, RssSampler
from loadgen.plan import MIB, Plan, build_plan, describe_sizes, parse_size
from loadgen.report import failures, memory_summary, phase_summary, render
from loadgen.run import SETTLE_SECONDS, RunResult, run_load

DATABASE_URL_ENV = "FU_LOADTEST_DATABASE_URL"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--uploads", type=int, default=1000, help="uploads in total, dealt round-robin")
    parser.add_argument("--min-size", type=parse_size, default="1KB", help="smallest file (binary units)")
    parser.add_argument("--max-size", type=parse_size, default="20MB", help="largest file; sizes are log-uniform")
    parser.add_argument("--seed", type=int, default=1, help="seed of the workload and of every file's bytes")
    parser.add_argument("--base-url", help="a running gateway to target instead of a stack of its own")
    parser.add_argument("--database-url", default=os.environ.get(DATABASE_URL_ENV),
                        help=f"PostgreSQL admin URL to create fresh databases on (env {DATABASE_URL_ENV}); "
                             "unset: SQLite")
    parser.add_argument("--data-dir", type=pathlib.Path,
                        help="the own stack's data and logs (kept); default: a temporary directory, "
                             "removed after a run that passes")
    parser.add_argument("--memory-bound-mb", type=float, default=64,
                        help="largest RSS growth of auth, files and gateway from the end of the warm-up to the end")
    parser.add_argument("--warmup", type=int, help="uploads before the memory baseline, spread evenly over the "
                                                   "clients (default: max(clients, 10%% of the uploads))")
    parser.add_argument("--timeout", type=float, default=300, help="seconds each request may take")
    parser.add_argument("--json", type=pathlib.Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.uploads < 1:
        parser.error("--clients and --uploads must be at least 1")
    if args.warmup is None:
        args.warmup = max(args.clients, args.uploads // 10)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = build_plan(args.seed, args.clients, args.uploads, args.min_size, args.max_size)
    print(f"load test: {args.clients} clients, {args.uploads} uploads, {describe_sizes(plan)}", file=sys.stderr)
    if args.base_url:
        return _finish(args, plan, _run_against(args, plan, args.base_url), None, None,
                       f"the running gateway at {args.base_url}")
    data_dir = args.data_dir or pathlib.Path(tempfile.mkdtemp(prefix="fu-loadtest-"))
    database = "PostgreSQL" if args.database_url else "SQLite"
    try:
        with own_stack(data_dir, args.database_url) as stack:
            pids = {name: process.pid for name, process in stack.processes.items()}
            sampler = RssSampler({**pids, "load generator": os.getpid()}, set(SERVICES), round(args.memory_bound_mb * MIB))
            sampler.start()
            try:
                result = _run_against(args, plan, stack.gateway_url, on_warm=lambda: sampler.mark("warm"))
                time.sleep(SETTLE_SECONDS)
            finally:
                sampler.stop()
            log_errors = logged_errors(stack)
    except (RuntimeError, TimeoutError) as error:
        print(f"the stack did not start: {error}", file=sys.stderr)
        return 2
    code = _finish(args, plan, result, sampler, log_errors, f"a stack of its own on {database}, data in {data_dir}")
    if code == 0 and args.data_dir is None:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"data and logs kept in {data_dir}", file=sys.stderr)
    return code


def _run_against(args: argparse.Namespace, plan: Plan, base_url: str,
                 on_warm: Callable[[], None] = lambda: None) -> tuple[RunResult, dict]:
    cpu_before, started = _cpu_seconds(), time.monotonic()
    result = asyncio.run(run_load(base_url, plan, uuid.uuid4().hex[:8], timeout=args.timeout,
                                  warmup_uploads=args.warmup, on_warm=on_warm))
    generator = {"cpu_seconds": _cpu_seconds() - cpu_before, "wall_seconds": time.monotonic() - started,
                 "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    return result, generator


def _finish(args: argparse.Namespace, plan: Plan, outcome: tuple[RunResult, dict],
            sampler: RssSampler | None, log_errors: dict[str, list[str]] | None, target: str) -> int:
    result, generator = outcome
    report = _report(args, plan, result, generator, sampler.figures() if sampler else None, log_errors, target)
    print(render(report))
    if args.json:
        report["rss_samples_mib"] = sampler.timeline() if sampler else None
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["failures"] else 0


def _report(args: argparse.Namespace, plan: Plan, result: RunResult, generator: dict,
            memory: list[MemoryFigures] | None, log_errors: dict[str, list[str]] | None, target: str) -> dict[str, Any]:
    memory_note = (f"auth, files and gateway may grow by at most {args.memory_bound_mb:.0f} MiB"
                   if memory is not None else
                   "not measured: with --base-url the service processes are not this run's own")
    settings = {"seed": args.seed, "clients": args.clients, "uploads": args.uploads, "min_size": plan.min_size,
                "max_size": plan.max_size, "total_bytes": plan.total_bytes, "sizes": describe_sizes(plan),
                "target": target, "memory_note": memory_note, "warmup_uploads": args.warmup,
                "shares": {"anonymous": workload.ANONYMOUS_SHARE, "range": workload.RANGE_SHARE,
                           "delete": workload.DELETE_SHARE, "chunked": workload.CHUNKED_SHARE,
                           "include_ext": workload.INCLUDE_EXT_SHARE, "login_every": workload.LOGIN_EVERY}}
    report = {"settings": settings,
              "phases": {"load": phase_summary(result.load), "final check": phase_summary(result.final)},
              "memory": memory_summary(memory) if memory is not None else None,
              "service_log_errors": log_errors, "load_generator": generator}
    report["failures"] = failures(report)
    report["passed"] = not report["failures"]
    return report


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
