"""The plots are drawn from bench.json's figures, one PNG per case group."""

import pytest

from bench import plots
from bench.plan import KIB, MIB


def target(scale: float) -> dict:
    return {
        "label": f"x{scale}",
        "small_get": [
            {"concurrency": c, "requests_per_second": 100 * scale * c, "p99_ms": 5.0 * c} for c in (1, 4, 64)
        ],
        "small_upload": [
            {"concurrency": c, "requests_per_second": 10 * scale, "p99_ms": 50.0 * c} for c in (1, 16)
        ],
        "upload_sizes": [{"size_bytes": s, "mib_per_second": scale * s / MIB} for s in (KIB, 100 * MIB)],
        "download_sizes": [{"size_bytes": s, "mib_per_second": None} for s in (KIB, 100 * MIB)],
    }


TARGETS = {"reference": target(1), "ours": target(2), "nginx": target(10)}

META = {"plan": "full", "started": "2025-01-01T00:00:00", "cpus": 2, "load_average": "0.10 0.20 0.30"}


def test_every_plot_is_written_as_a_png(tmp_path):
    drawn = plots.draw_all({"targets": TARGETS, "meta": META}, tmp_path / "bench")
    assert [p.name for p in drawn] == [
        "concurrency-small-get.png",
        "concurrency-small-upload.png",
        "file-sizes.png",
    ]
    for path in drawn:
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_target_without_a_case_is_left_out_of_that_plot(tmp_path):
    only_nginx = {"nginx": {**TARGETS["nginx"], "small_get": None}}
    assert plots.draw_all({"targets": only_nginx, "meta": META}, tmp_path)[0].exists()


@pytest.mark.parametrize(
    "size, label", [(KIB, "1 KiB"), (64 * KIB, "64 KiB"), (100 * MIB, "100 MiB"), (10, "10 B")]
)
def test_sizes_on_the_axis_read_in_binary_units(size, label):
    assert plots.size_label(size) == label
