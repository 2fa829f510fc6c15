"""The hot-path table (reference | ours | ours ÷ reference | goal) from bench.json's figures, and the
JSON itself. A figure a target did not give (nginx has no accounts) shows as a dash."""

from __future__ import annotations

import dataclasses
import json
import math
import pathlib
from collections.abc import Callable

from bench.plan import Plan
from bench.results import MIB

MEMORY_CEILING = 32 * MIB


@dataclasses.dataclass(frozen=True)
class HotPath:
    label: str
    unit: str
    figure: Callable[[dict, Plan], float | None]  # from one target's results
    min_ratio: float | None = None  # goal: ours ÷ reference at least this
    max_ours: float | None = None  # goal: ours at most this (in `unit`)
    ours_target: str = "ours"  # whose figure is "ours" in this row

    @property
    def goal(self) -> str:
        if self.min_ratio is not None:
            return f">= {self.min_ratio:g}x"
        if self.max_ours is not None:
            return f"ours <= {self.max_ours:g} {self.unit}"
        return "-"


@dataclasses.dataclass(frozen=True)
class Row:
    path: HotPath
    reference: float | None
    ours: float | None
    nginx: float | None

    @property
    def ratio(self) -> float | None:
        """None for a row whose goal is a ceiling on ours (the reference's figure is for information)."""
        if self.ours is None or not self.reference or self.path.max_ours is not None:
            return None
        return self.ours / self.reference

    @property
    def met(self) -> bool | None:
        """Whether the goal is met; None when a figure it needs is missing."""
        if self.path.min_ratio is not None:
            return None if self.ratio is None else self.ratio >= self.path.min_ratio
        if self.path.max_ours is not None:
            return None if self.ours is None else self.ours <= self.path.max_ours
        return None


def point(series: list[dict] | None, key: str, value: int, figure: str) -> float | None:
    """`figure` of the point of `series` whose `key` is `value`."""
    for entry in series or []:
        if entry.get(key) == value:
            return entry.get(figure)
    return None


def _memory(results: dict, plan: Plan) -> float | None:
    memory = results.get("memory")
    return None if memory is None else memory["growth_bytes"] / MIB


HOT_PATHS = (
    HotPath(
        "GET /file/<1 KiB file>",
        "req/s",
        lambda r, p: point(r.get("small_get"), "concurrency", p.get_clients, "requests_per_second"),
        3,
    ),
    HotPath(
        "GET /api/get_files (token, 20 files)",
        "req/s",
        lambda r, p: (r.get("get_files") or {}).get("requests_per_second"),
        1.5,
    ),
    HotPath(
        "POST /api/upload 64 KiB, 16 clients",
        "req/s",
        lambda r, p: point(r.get("small_upload"), "concurrency", p.upload_clients, "requests_per_second"),
        1,
    ),
    HotPath(
        "POST /api/upload 100 MiB",
        "MiB/s",
        lambda r, p: point(r.get("upload_sizes"), "size_bytes", p.large_size, "mib_per_second"),
        2,
    ),
    HotPath(
        "GET 100 MiB",
        "MiB/s",
        lambda r, p: point(r.get("download_sizes"), "size_bytes", p.large_size, "mib_per_second"),
        2,
    ),
    HotPath("memory growth during a 100 MiB upload", "MiB", _memory, max_ours=MEMORY_CEILING / MIB),
    HotPath(
        "GET 100 MiB, S3 + presigned redirect (bytes from SeaweedFS)",
        "MiB/s",
        lambda r, p: point(r.get("download_sizes"), "size_bytes", p.large_size, "mib_per_second"),
        ours_target="ours_s3",
    ),
)


def rows(targets: dict[str, dict], plan: Plan) -> list[Row]:
    def figure(name: str, path: HotPath) -> float | None:
        return path.figure(targets[name], plan) if name in targets else None

    return [
        Row(path, figure("reference", path), figure(path.ours_target, path), figure("nginx", path))
        for path in HOT_PATHS
    ]


def render(table: list[Row]) -> str:
    header = ("hot path", "unit", "reference", "ours", "ours ÷ reference", "goal", "met", "nginx (limit)")
    lines = [header] + [
        (
            row.path.label,
            row.path.unit,
            _number(row.reference),
            _number(row.ours),
            "-" if row.ratio is None else f"{row.ratio:.2f}x",
            row.path.goal,
            {True: "yes", False: "NO", None: "-"}[row.met],
            _number(row.nginx),
        )
        for row in table
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    left = {0, 1, 5, 6}

    def format_line(line: tuple[str, ...]) -> str:
        cells = [
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([format_line(lines[0]), rule, *map(format_line, lines[1:])])


def errors(targets: dict[str, dict]) -> list[str]:
    """Where a load tool saw failed requests: those figures are not to be trusted."""
    found = []
    for name, results in targets.items():
        for case, value in results.items():
            for entry in value if isinstance(value, list) else [value]:
                if isinstance(entry, dict) and entry.get("errors"):
                    where = {k: v for k, v in entry.items() if k in ("concurrency", "size_bytes")}
                    found.append(f"{name} {case} {where}: {entry['errors']} failed requests")
    return found


def as_json(targets: dict[str, dict], table: list[Row], meta: dict) -> dict:
    return {
        "meta": meta,
        "table": [
            {
                "hot_path": row.path.label,
                "unit": row.path.unit,
                "reference": row.reference,
                "ours": row.ours,
                "nginx": row.nginx,
                "ratio": row.ratio,
                "goal": row.path.goal,
                "met": row.met,
            }
            for row in table
        ],
        "targets": targets,
    }


def write_json(document: dict, path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")


def _number(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"
