"""The run's figures as one JSON-ready dict, the verdict, and the table printed at the end."""

from __future__ import annotations

from typing import Any

from loadgen.memory import MemoryFigures
from loadgen.metrics import Recorder
from loadgen.plan import MIB

PERCENTILES = (50, 95, 99)
SHOWN_PROBLEMS = 20


def phase_summary(recorder: Recorder) -> dict[str, Any]:
    seconds = max(recorder.seconds, 1e-9)
    kinds = {
        kind: {
            "requests": stats.requests,
            "errors": stats.errors,
            "bytes_up": stats.bytes_up,
            "bytes_down": stats.bytes_down,
            **{f"p{p}_ms": _rounded(stats.percentile_ms(p)) for p in PERCENTILES},
        }
        for kind, stats in sorted(recorder.kinds.items())
    }
    return {
        "seconds": round(seconds, 1),
        "requests": recorder.requests,
        "requests_per_second": round(recorder.requests / seconds, 1),
        "bytes_up": recorder.bytes_up,
        "bytes_down": recorder.bytes_down,
        "mib_per_second_up": round(recorder.bytes_up / MIB / seconds, 1),
        "mib_per_second_down": round(recorder.bytes_down / MIB / seconds, 1),
        "errors": recorder.error_count,
        "mismatches": recorder.mismatch_count,
        "kinds": kinds,
        "error_details": [f"{p.kind}: {p.detail}" for p in recorder.errors],
        "mismatch_details": [f"{p.kind}: {p.detail}" for p in recorder.mismatches],
    }


def memory_summary(figures: list[MemoryFigures]) -> list[dict[str, Any]]:
    return [
        {
            "process": f.process,
            "start": f.start,
            "warm": f.warm,
            "peak": f.peak,
            "end": f.end,
            "growth": f.growth,
            "bound": f.bound,
            "over_bound": f.over_bound,
            "cpu_seconds": round(f.cpu_seconds, 1),
        }
        for f in figures
    ]


def failures(report: dict[str, Any]) -> list[str]:
    found = []
    for name, phase in report["phases"].items():
        if phase["errors"]:
            found.append(f"{phase['errors']} error(s) in the {name} phase")
        if phase["mismatches"]:
            found.append(f"{phase['mismatches']} mismatch(es) in the {name} phase")
    for process in report["memory"] or []:
        if process["over_bound"]:
            found.append(
                f"{process['process']} grew by {process['growth'] / MIB:.1f} MiB after the warm-up "
                f"(bound {process['bound'] / MIB:.0f} MiB)"
            )
    for name, lines in (report["service_log_errors"] or {}).items():
        found.append(f"{name} logged {len(lines)} error line(s)")
    return found


def render(report: dict[str, Any]) -> str:
    s = report["settings"]
    workload = f"seed {s['seed']}, {s['clients']} clients, {s['uploads']} uploads, {s['sizes']}"
    lines = [f"File Uploader load test: {workload}", f"target: {s['target']}", ""]
    for name, phase in report["phases"].items():
        lines += [*_phase_lines(name, phase), ""]
    lines += _memory_lines(report["memory"], s["memory_note"])
    g = report["load_generator"]
    lines.append(
        f"load generator: {g['cpu_seconds']:.0f} s CPU in {g['wall_seconds']:.0f} s "
        f"({100 * g['cpu_seconds'] / max(g['wall_seconds'], 1e-9):.0f}% of one core), "
        f"peak RSS {g['peak_rss'] / MIB:.0f} MiB"
    )
    lines += _log_lines(report["service_log_errors"])
    verdict = report["failures"]
    lines.append("RESULT: PASS" if not verdict else "RESULT: FAIL: " + "; ".join(verdict))
    return "\n".join(lines)


KIND_COLUMNS = (
    ("kind", 18),
    ("requests", 9),
    ("errors", 8),
    ("p50 ms", 9),
    ("p95 ms", 9),
    ("p99 ms", 9),
    ("MiB up", 9),
    ("MiB down", 10),
)
MEMORY_COLUMNS = (
    ("process", 16),
    ("start", 8),
    ("warm", 8),
    ("peak", 8),
    ("end", 8),
    ("growth", 8),
    ("bound", 8),
    ("CPU s", 8),
)


def _row(cells: list[str], columns: tuple[tuple[str, int], ...]) -> str:
    """The first cell left-aligned, the others right-aligned, each in its column's width."""
    first, *rest = [
        f"{cell:<{width}}" if index == 0 else f"{cell:>{width}}"
        for index, (cell, (_, width)) in enumerate(zip(cells, columns, strict=True))
    ]
    return "  " + first + "".join(rest)


def _phase_lines(name: str, phase: dict[str, Any]) -> list[str]:
    headline = (
        f"{name}: {phase['seconds']} s, {phase['requests']} requests ({phase['requests_per_second']}/s), "
        f"up {phase['bytes_up'] / MIB:.0f} MiB ({phase['mib_per_second_up']} MiB/s), "
        f"down {phase['bytes_down'] / MIB:.0f} MiB ({phase['mib_per_second_down']} MiB/s), "
        f"{phase['errors']} errors, {phase['mismatches']} mismatches"
    )
    lines = [headline, _row([title for title, _ in KIND_COLUMNS], KIND_COLUMNS)]
    for kind, k in phase["kinds"].items():
        cells = [
            kind,
            str(k["requests"]),
            str(k["errors"]),
            _ms(k["p50_ms"]),
            _ms(k["p95_ms"]),
            _ms(k["p99_ms"]),
            f"{k['bytes_up'] / MIB:.1f}",
            f"{k['bytes_down'] / MIB:.1f}",
        ]
        lines.append(_row(cells, KIND_COLUMNS))
    for label in ("error_details", "mismatch_details"):
        shown = phase[label][:SHOWN_PROBLEMS]
        lines += [f"  {label.split('_')[0]}: {detail}" for detail in shown]
    return lines


def _memory_lines(memory: list[dict[str, Any]] | None, note: str) -> list[str]:
    if memory is None:
        return [f"memory: {note}"]
    lines = [
        f"memory (RSS, MiB; growth = end - warm, both with the stack quiet): {note}",
        _row([title for title, _ in MEMORY_COLUMNS], MEMORY_COLUMNS),
    ]
    for m in memory:
        bound = f"{m['bound'] / MIB:.0f}" if m["bound"] is not None else "-"
        cells = [
            m["process"],
            *(f"{m[name] / MIB:.0f}" for name in ("start", "warm", "peak", "end")),
            f"{m['growth'] / MIB:+.1f}",
            bound,
            f"{m['cpu_seconds']:.0f}",
        ]
        lines.append(_row(cells, MEMORY_COLUMNS))
    return lines


def _log_lines(log_errors: dict[str, list[str]] | None) -> list[str]:
    if log_errors is None:
        return ["service logs: not read (--base-url)"]
    if not log_errors:
        return ["service logs: no ERROR lines"]
    return [f"{name} log: {line}" for name, lines in log_errors.items() for line in lines]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
