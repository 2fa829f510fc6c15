"""`make bench`: our default stack side by side with the reference monolith and nginx.

    python -m bench [--quick] [--targets reference,ours,nginx] [--out docs/bench]   (PYTHONPATH=scripts)

One target at a time is started, seeded and measured with every case (bench/cases.py), then stopped:
the reference (its own virtualenv under .bench/, FU_BENCH_REFERENCE_DIR), ours (scripts/stack.py:
SQLite, local disk, rate limits raised), ours_s3 (the same on SeaweedFS with presigned redirects:
downloads only) and nginx serving the same files (the physical limit). Prints
the hot-path table with the ratios, writes the raw figures to <out>/bench.json and draws the plots
to <out>/*.png. Exit status 1 when a load tool saw failed requests (the figures then mislead), 2 when
a tool is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import pathlib
import sys
import tempfile

from bench import cases, nginx, ours, ours_s3, plots, prerequisites, reference, report
from bench.plan import FULL, QUICK
from bench.target import SampleFiles

ROOT = pathlib.Path(__file__).resolve().parents[2]
# name -> how to start it
TARGETS = {
    "reference": reference.running,
    "ours": ours.running,
    "ours_s3": ours_s3.running,
    "nginx": nginx.running,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a ~2 minute smoke run: fewer, shorter points")
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated subset of {', '.join(TARGETS)} (default: all)",
    )
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=ROOT / "docs" / "bench",
        help="where bench.json and the plots go (default: docs/bench)",
    )
    args = parser.parse_args(argv)
    args.targets = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = [name for name in args.targets if name not in TARGETS]
    if unknown or not args.targets:
        parser.error(f"unknown target(s) {unknown}: choose from {', '.join(TARGETS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = prerequisites.missing()
    if missing:
        print(f"bench: {prerequisites.install_hint(missing)}", file=sys.stderr)
        return 2
    plan = QUICK if args.quick else FULL
    meta = {
        "plan": plan.name,
        "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "seconds_per_point": plan.seconds,
        "seconds_per_size_point": plan.transfer_seconds,
    }
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="fu-bench-") as tmp:
        workdir = pathlib.Path(tmp)
        samples = SampleFiles(workdir / "samples", plan.sample_sizes).write()
        for name in args.targets:
            print(f"bench: starting {name}", file=sys.stderr, flush=True)
            target_dir = workdir / name
            target_dir.mkdir()
            with TARGETS[name](target_dir, samples) as target:
                results[name] = cases.measure(target, plan, samples, target_dir)
    table = report.rows(results, plan)
    document = report.as_json(results, table, meta)
    report.write_json(document, args.out / "bench.json")
    drawn = plots.draw_all(document, args.out)
    print(
        f"\n{plan.name} run, {plan.seconds:g} s per point, load average at start {meta['load_average']} "
        f"({meta['cpus']} CPUs)"
    )
    print(report.render(table))
    print(f"\nraw figures: {_shown(args.out / 'bench.json')}; plots: {', '.join(_shown(p) for p in drawn)}")
    failed = report.errors(results)
    for line in failed:
        print(f"bench: {line}", file=sys.stderr)
    return 1 if failed else 0


def _shown(path: pathlib.Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(pathlib.Path.cwd()))
    return str(path)


if __name__ == "__main__":
    sys.exit(main())
