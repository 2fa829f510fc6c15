"""The load test's short version: scripts/loadtest.py, the code `make loadtest` runs, with 8 clients and
100 uploads of 1 KB-2 MB on a stack of its own, once on SQLite and once on PostgreSQL."""

import json
import pathlib

import pytest

import loadtest

SHORT_RUN = ["--clients", "8", "--uploads", "100", "--min-size", "1KB", "--max-size", "2MB", "--seed", "3"]
EXERCISED = (
    "register",
    "login",
    "logout",
    "upload",
    "download",
    "download range",
    "delete",
    "download deleted",
    "get_files",
)


def run_short_load(tmp_path: pathlib.Path, *extra: str) -> tuple[int, dict]:
    report_path = tmp_path / "report.json"
    code = loadtest.main(
        [*SHORT_RUN, "--data-dir", str(tmp_path / "data"), "--json", str(report_path), *extra]
    )
    return code, json.loads(report_path.read_text())


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_short_load_has_no_errors_mismatches_or_memory_growth(database, tmp_path, request):
    extra = (
        ["--database-url", request.getfixturevalue("postgres_server").admin_url]
        if database == "postgresql"
        else []
    )
    code, report = run_short_load(tmp_path, *extra)
    load, final = report["phases"]["load"], report["phases"]["final check"]
    assert (load["error_details"], final["error_details"]) == ([], [])
    assert (load["mismatch_details"], final["mismatch_details"]) == ([], [])
    assert report["service_log_errors"] == {}
    assert [m["process"] for m in report["memory"] if m["over_bound"]] == []
    assert load["kinds"]["upload"]["requests"] == 100
    assert all(load["kinds"][kind]["requests"] > 0 for kind in EXERCISED), load["kinds"].keys()
    assert final["kinds"]["final get_files"]["requests"] == 5  # 8 clients: 5 accounts, 1 anonymous client
    assert report["failures"] == [] and code == 0
