"""A target measures only the cases it takes; the others are null in bench.json."""

from bench import cases
from bench.plan import QUICK
from bench.target import API_UPLOAD, Target


def test_a_target_with_chosen_cases_runs_only_those(monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(
        cases, "download_sizes", lambda target, plan: ran.append("download_sizes") or [{"x": 1}]
    )
    for name in ("small_get", "get_files", "upload_sizes", "memory_growth"):
        monkeypatch.setattr(cases, name, lambda *args, _name=name: ran.append(_name))
    monkeypatch.setattr(cases, "small_upload", lambda *args: ran.append("small_upload"))
    target = Target("ours_s3", "label", "http://x", API_UPLOAD, {}, cases=frozenset({"download_sizes"}))
    measured = cases.measure(target, QUICK, None, tmp_path)
    assert ran == ["download_sizes"]
    assert measured == {
        "label": "label",
        "small_get": None,
        "small_upload": None,
        "get_files": None,
        "download_sizes": [{"x": 1}],
        "upload_sizes": None,
        "memory": None,
    }
