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
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from loadgen import plan as workload
from loadgen.environment import SERVICES, logged_errors, own_stack
from loadgen.memory import RssSampler
from loadgen.plan import MIB, Plan, build_plan, describe_sizes, parse_size
from loadgen.report import failures, memory_summary, phase_summary, render
from loadgen.run import SETTLE_SECONDS, RunResult, run_load

DATABASE_URL_ENV = "FU_LOADTEST_DATABASE_URL"
GENERATOR = "load generator"
WORKLOAD_SHARES = {
    "anonymous": workload.ANONYMOUS_SHARE,
    "range": workload.RANGE_SHARE,
    "delete": workload.DELETE_SHARE,
    "chunked": workload.CHUNKED_SHARE,
    "include_ext": workload.INCLUDE_EXT_SHARE,
    "login_every": workload.LOGIN_EVERY,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.clients < 1 or args.uploads < 1:
        parser.error("--clients and --uploads must be at least 1")
    if args.warmup is None:
        args.warmup = max(args.clients, args.uploads // 10)
    return args


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    workload = parser.add_argument_group("workload")
    workload.add_argument("--clients", type=int, default=32, help="concurrent clients (%(default)s)")
    workload.add_argument(
        "--uploads", type=int, default=1000, help="uploads in total, dealt round-robin (%(default)s)"
    )
    workload.add_argument(
        "--min-size", type=parse_size, default="1KB", help="smallest file, binary units (%(default)s)"
    )
    workload.add_argument(
        "--max-size",
        type=parse_size,
        default="20MB",
        help="largest file; sizes are log-uniform (%(default)s)",
    )
    workload.add_argument(
        "--seed", type=int, default=1, help="seed of the workload and of every file's bytes (%(default)s)"
    )
    workload.add_argument(
        "--timeout", type=float, default=300, help="seconds each request may take (%(default)s)"
    )
    _add_target_options(parser.add_argument_group("target and report"))
    return parser


def _add_target_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--base-url", help="a running gateway (rate limits raised) instead of a stack of its own"
    )
    group.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_ENV),
        help=f"PostgreSQL admin URL to create fresh databases on (env {DATABASE_URL_ENV}); unset: SQLite",
    )
    group.add_argument(
        "--data-dir",
        type=pathlib.Path,
        help="the own stack's data and logs, kept (default: a temp directory, kept only if the run fails)",
    )
    group.add_argument(
        "--memory-bound-mb",
        type=float,
        default=64,
        help="largest growth of auth, files and gateway RSS from the warm-up to the end (%(default)s)",
    )
    group.add_argument(
        "--warmup",
        type=int,
        help="uploads before the memory baseline, spread over the clients (default: max(clients, 10%%))",
    )
    group.add_argument("--json", type=pathlib.Path, help="also write the report as JSON to this file")


@dataclass(frozen=True)
class Observed:
    """What a run could watch besides the answers: the services' memory and logs (own stack only)."""

    target: str
    sampler: RssSampler | None = None
    log_errors: dict[str, list[str]] | None = None


@dataclass(frozen=True)
class Outcome:
    result: RunResult
    generator: dict[str, float]  # the load generator's own CPU time, wall time and peak RSS


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = build_plan(args.seed, args.clients, args.uploads, args.min_size, args.max_size)
    print(
        f"load test: {args.clients} clients, {args.uploads} uploads, {describe_sizes(plan)}", file=sys.stderr
    )
    if args.base_url:
        outcome = _run_against(args, plan, args.base_url)
        return _finish(args, plan, outcome, Observed(f"the running gateway at {args.base_url}"))
    return _run_on_own_stack(args, plan)


def _run_on_own_stack(args: argparse.Namespace, plan: Plan) -> int:
    data_dir = args.data_dir or pathlib.Path(tempfile.mkdtemp(prefix="fu-loadtest-"))
    with ExitStack() as exits:
        try:
            stack = exits.enter_context(own_stack(data_dir, args.database_url))
        except (RuntimeError, TimeoutError) as error:
            print(f"the stack did not start: {error}", file=sys.stderr)
            return 2
        pids = {name: process.pid for name, process in stack.processes.items()}
        sampler = RssSampler(
            {**pids, GENERATOR: os.getpid()}, set(SERVICES), round(args.memory_bound_mb * MIB)
        )
        sampler.start()
        try:
            outcome = _run_against(args, plan, stack.gateway_url, on_warm=lambda: sampler.mark("warm"))
            time.sleep(SETTLE_SECONDS)
        finally:
            sampler.stop()
        log_errors = logged_errors(stack)
    database = "PostgreSQL" if args.database_url else "SQLite"
    target = f"a stack of its own on {database}, data in {data_dir}"
    code = _finish(args, plan, outcome, Observed(target, sampler, log_errors))
    if code == 0 and args.data_dir is None:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"data and logs kept in {data_dir}", file=sys.stderr)
    return code


def _run_against(
    args: argparse.Namespace, plan: Plan, base_url: str, on_warm: Callable[[], None] = lambda: None
) -> Outcome:
    cpu_before, started = _cpu_seconds(), time.monotonic()
    run = run_load(
        base_url,
        plan,
        uuid.uuid4().hex[:8],
        timeout=args.timeout,
        warmup_uploads=args.warmup,
        on_warm=on_warm,
    )
    result = asyncio.run(run)
    generator = {
        "cpu_seconds": _cpu_seconds() - cpu_before,
        "wall_seconds": time.monotonic() - started,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    return Outcome(result, generator)


def _finish(args: argparse.Namespace, plan: Plan, outcome: Outcome, observed: Observed) -> int:
    report = _report(args, plan, outcome, observed)
    print(render(report))
    if args.json:
        report["rss_samples_mib"] = observed.sampler.timeline() if observed.sampler else None
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if report["failures"] else 0


def _report(args: argparse.Namespace, plan: Plan, outcome: Outcome, observed: Observed) -> dict[str, Any]:
    memory = observed.sampler.figures() if observed.sampler else None
    memory_note = (
        f"auth, files and gateway may grow by at most {args.memory_bound_mb:.0f} MiB"
        if memory is not None
        else "not measured: with --base-url the service processes are not this run's own"
    )
    report = {
        "settings": _settings(args, plan, observed.target, memory_note),
        "phases": {
            "load": phase_summary(outcome.result.load),
            "final check": phase_summary(outcome.result.final),
        },
        "memory": memory_summary(memory) if memory is not None else None,
        "service_log_errors": observed.log_errors,
        "load_generator": outcome.generator,
    }
    report["failures"] = failures(report)
    report["passed"] = not report["failures"]
    return report


def _settings(args: argparse.Namespace, plan: Plan, target: str, memory_note: str) -> dict[str, Any]:
    return {
        "seed": args.seed,
        "clients": args.clients,
        "uploads": args.uploads,
        "min_size": plan.min_size,
        "max_size": plan.max_size,
        "total_bytes": plan.total_bytes,
        "sizes": describe_sizes(plan),
        "target": target,
        "memory_note": memory_note,
        "warmup_uploads": args.warmup,
        "shares": WORKLOAD_SHARES,
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
