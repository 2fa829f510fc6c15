"""The hot-path table: each figure taken from the right point, the ratio to the reference, the goal."""

import json

import pytest

from bench import report
from bench.plan import FULL, KIB, MIB


def target(
    get_rate=None, list_rate=None, upload_rate=None, up_mib=None, down_mib=None, memory_mib=None, errors=0
):
    return {
        "label": "t",
        "small_get": [
            {"concurrency": 16, "requests_per_second": 1.0, "errors": 0},
            {"concurrency": 32, "requests_per_second": get_rate, "errors": errors},
        ],
        "small_upload": [
            {"concurrency": 16, "requests_per_second": upload_rate, "errors": 0},
            {"concurrency": 32, "requests_per_second": 1.0, "errors": 0},
        ],
        "get_files": None
        if list_rate is None
        else {"concurrency": 32, "requests_per_second": list_rate, "errors": 0},
        "upload_sizes": [
            {"size_bytes": KIB, "mib_per_second": 1.0, "errors": 0},
            {"size_bytes": 100 * MIB, "mib_per_second": up_mib, "errors": 0},
        ],
        "download_sizes": [{"size_bytes": 100 * MIB, "mib_per_second": down_mib, "errors": 0}],
        "memory": None if memory_mib is None else {"growth_bytes": memory_mib * MIB, "by_process": {}},
    }


TARGETS = {
    "reference": target(
        get_rate=1000, list_rate=400, upload_rate=200, up_mib=100, down_mib=500, memory_mib=210
    ),
    "ours": target(get_rate=3500, list_rate=500, upload_rate=150, up_mib=250, down_mib=900, memory_mib=12),
    "nginx": target(get_rate=20000, upload_rate=900, up_mib=400, down_mib=2000),
}


def by_label(rows):
    return {row.path.label: row for row in rows}


def test_each_hot_path_reads_the_point_the_goal_is_stated_for():
    rows = by_label(report.rows(TARGETS, FULL))
    assert rows["GET /file/<1 KiB file>"].ours == 3500  # 32 connections, not 16
    assert rows["POST /api/upload 64 KiB, 16 clients"].ours == 150  # 16 clients, not 32
    assert rows["POST /api/upload 100 MiB"].reference == 100  # 100 MiB, not 1 KiB
    assert rows["memory growth during a 100 MiB upload"].reference == pytest.approx(210)


def test_ratio_is_ours_over_the_reference_and_met_compares_it_with_the_goal():
    rows = by_label(report.rows(TARGETS, FULL))
    assert rows["GET /file/<1 KiB file>"].ratio == pytest.approx(3.5)
    assert rows["GET /file/<1 KiB file>"].met is True
    assert rows["GET /api/get_files (token, 20 files)"].ratio == pytest.approx(1.25)
    assert rows["GET /api/get_files (token, 20 files)"].met is False  # goal 1.5x
    assert rows["POST /api/upload 64 KiB, 16 clients"].met is False  # 0.75x, goal 1x
    assert rows["GET 100 MiB"].met is False  # 1.8x, goal 2x


def test_memory_goal_is_a_ceiling_on_ours_not_a_ratio():
    rows = by_label(report.rows(TARGETS, FULL))
    assert rows["memory growth during a 100 MiB upload"].met is True
    heavy = {**TARGETS, "ours": target(memory_mib=40)}
    assert by_label(report.rows(heavy, FULL))["memory growth during a 100 MiB upload"].met is False


def test_a_missing_target_or_figure_gives_no_ratio_and_no_verdict():
    rows = by_label(report.rows({"ours": TARGETS["ours"]}, FULL))
    assert rows["GET /file/<1 KiB file>"].ratio is None
    assert rows["GET /file/<1 KiB file>"].met is None
    assert by_label(report.rows(TARGETS, FULL))["GET /api/get_files (token, 20 files)"].nginx is None


def test_the_rendered_table_has_every_column_and_shows_ratios_and_dashes():
    text = report.render(report.rows(TARGETS, FULL))
    header, _rule, *lines = text.splitlines()
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "hot path",
        "unit",
        "reference",
        "ours",
        "ours ÷ reference",
        "goal",
        "met",
        "nginx (limit)",
    ]
    assert len(lines) == len(report.HOT_PATHS)
    get_line = next(line for line in lines if "GET /file/" in line)
    assert [cell.strip() for cell in get_line.strip("|").split("|")] == [
        "GET /file/<1 KiB file>",
        "req/s",
        "1000",
        "3500",
        "3.50x",
        ">= 3x",
        "yes",
        "20000",
    ]
    list_line = next(line for line in lines if "get_files" in line)
    assert list_line.rstrip("| ").endswith("-")  # nginx has no accounts
    assert len({len(line) for line in text.splitlines()}) == 1  # columns aligned


def test_points_with_failed_requests_are_named():
    failing = {"ours": target(get_rate=10, errors=7)}
    assert report.errors(failing) == ["ours small_get {'concurrency': 32}: 7 failed requests"]
    assert report.errors(TARGETS) == []


def test_the_json_holds_the_table_and_every_raw_figure(tmp_path):
    rows = report.rows(TARGETS, FULL)
    path = tmp_path / "out" / "bench.json"
    report.write_json(report.as_json(TARGETS, rows, {"plan": "full"}), path)
    document = json.loads(path.read_text())
    assert document["targets"] == TARGETS
    first = document["table"][0]
    assert first["hot_path"] == "GET /file/<1 KiB file>" and first["ratio"] == pytest.approx(3.5)
    assert first["met"] is True


def test_the_presigned_row_takes_ours_from_the_s3_target_and_states_no_goal():
    s3 = {"label": "s3", "download_sizes": [{"size_bytes": 100 * MIB, "mib_per_second": 1500.0, "errors": 0}]}
    rows = by_label(report.rows({**TARGETS, "ours_s3": s3}, FULL))
    presigned = rows["GET 100 MiB, S3 + presigned redirect (bytes from SeaweedFS)"]
    assert presigned.ours == 1500.0 and presigned.reference == 500
    assert presigned.ratio == pytest.approx(3.0)
    assert presigned.path.goal == "-" and presigned.met is None
    assert rows["GET 100 MiB"].ours == 900  # the default stack's, not the S3 target's


def test_a_ceiling_row_shows_no_ratio():
    rows = by_label(report.rows(TARGETS, FULL))
    assert rows["memory growth during a 100 MiB upload"].ratio is None
