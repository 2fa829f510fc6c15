"""PNG plots of bench.json: each case's figures against concurrency or file size, one line per target."""

from __future__ import annotations

import pathlib

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

STYLE = {
    "ours": ("tab:blue", "o"),
    "ours_s3": ("tab:green", "D"),
    "reference": ("tab:orange", "s"),
    "nginx": ("tab:gray", "^"),
}
SIZE_UNITS = ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"), (1, "B"))


def size_label(size: float, _position=None) -> str:
    for scale, unit in SIZE_UNITS:
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size:g} B"


def draw_all(document: dict, out_dir: pathlib.Path) -> list[pathlib.Path]:
    targets, meta = document["targets"], document["meta"]
    subtitle = (
        f"{meta['plan']} run, {meta['started']}, {meta['cpus']} CPUs, load average {meta['load_average']}"
    )
    return [
        _concurrency(
            targets,
            "small_get",
            f"GET of a 1 KiB file (wrk)\n{subtitle}",
            out_dir / "concurrency-small-get.png",
        ),
        _concurrency(
            targets,
            "small_upload",
            f"Upload of a 64 KiB file (hey)\n{subtitle}",
            out_dir / "concurrency-small-upload.png",
        ),
        _sizes(
            targets, f"Throughput by file size, one client (curl)\n{subtitle}", out_dir / "file-sizes.png"
        ),
    ]


def _concurrency(targets: dict, case: str, title: str, path: pathlib.Path) -> pathlib.Path:
    figure, (rate, p99) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for name, results in targets.items():
        series = results.get(case) or []
        clients = [p["concurrency"] for p in series]
        _line(rate, name, results["label"], clients, [p["requests_per_second"] for p in series])
        _line(p99, name, results["label"], clients, [p["p99_ms"] for p in series])
    for axes, ylabel in ((rate, "throughput (requests/s, log scale)"), (p99, "p99 latency (ms, log scale)")):
        axes.set_xscale("log", base=2)
        axes.set_yscale("log")
        points = sorted({p["concurrency"] for r in targets.values() for p in (r.get(case) or [])})
        axes.xaxis.set_major_locator(FixedLocator(points))
        axes.xaxis.set_minor_locator(NullLocator())
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        axes.set_xlabel("concurrent clients")
        axes.set_ylabel(ylabel)
        axes.grid(True, which="both", alpha=0.3)
        _legend(axes)
    figure.suptitle(title)
    return _save(figure, path)


def _sizes(targets: dict, title: str, path: pathlib.Path) -> pathlib.Path:
    figure, panels = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for axes, case, what in zip(
        panels, ("upload_sizes", "download_sizes"), ("upload", "download"), strict=True
    ):
        for name, results in targets.items():
            series = results.get(case) or []
            _line(
                axes,
                name,
                results["label"],
                [p["size_bytes"] for p in series],
                [p["mib_per_second"] for p in series],
            )
        sizes = sorted({p["size_bytes"] for r in targets.values() for p in (r.get(case) or [])})
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.xaxis.set_major_locator(FixedLocator(sizes))
        axes.xaxis.set_minor_locator(NullLocator())
        axes.xaxis.set_major_formatter(FuncFormatter(size_label))
        axes.set_title(what)
        axes.set_xlabel("file size (log scale)")
        axes.set_ylabel("throughput (MiB/s of file bytes, log scale)")
        axes.grid(True, which="both", alpha=0.3)
        _legend(axes)
    figure.suptitle(title)
    return _save(figure, path)


def _line(axes, name: str, label: str, xs: list, ys: list) -> None:
    color, marker = STYLE.get(name, (None, "x"))
    points = [
        (x, y) for x, y in zip(xs, ys, strict=True) if y is not None and y > 0
    ]  # log scale: no zero, no gap
    if points:
        axes.plot(*zip(*points, strict=True), marker=marker, color=color, label=label)


def _legend(axes) -> None:
    if axes.get_legend_handles_labels()[0]:
        axes.legend()
    else:
        axes.text(0.5, 0.5, "no figures", transform=axes.transAxes, ha="center", va="center")


def _save(figure, path: pathlib.Path) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
