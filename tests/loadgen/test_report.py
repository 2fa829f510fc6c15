"""The verdict and the printed report of a load test run."""

import os

from loadgen.checks import upload_reply_problems
from loadgen.memory import MemoryFigures, RssSampler, cpu_seconds, read_status
from loadgen.metrics import Recorder
from loadgen.plan import MIB, build_plan
from loadgen.report import failures, memory_summary, phase_summary, render

BOUND = 64 * MIB


def report_of(load: Recorder, memory: list[MemoryFigures] | None, log_errors: dict | None) -> dict:
    final = Recorder("final check")
    report = {
        "settings": {
            "seed": 1,
            "clients": 1,
            "uploads": 1,
            "sizes": "one file",
            "target": "nowhere",
            "memory_note": "note",
        },
        "phases": {"load": phase_summary(load), "final check": phase_summary(final)},
        "memory": memory_summary(memory) if memory is not None else None,
        "service_log_errors": log_errors,
        "load_generator": {"cpu_seconds": 1.0, "wall_seconds": 2.0, "peak_rss": MIB},
    }
    report["failures"] = failures(report)
    return report


def figures(growth: int) -> MemoryFigures:
    return MemoryFigures("files", 70 * MIB, 80 * MIB, 120 * MIB, 80 * MIB + growth, BOUND, 3.0)


def test_a_clean_run_has_no_failures():
    load = Recorder("load")
    load.request("upload", 0.1, up=100)
    report = report_of(load, [figures(BOUND)], {})
    assert report["failures"] == []
    assert render(report).endswith("RESULT: PASS")


def test_errors_mismatches_memory_growth_and_logged_errors_fail_the_run():
    load = Recorder("load")
    load.request("upload", 0.1)
    load.error("upload", "HTTP 500")
    load.mismatch("download", "sha256")
    report = report_of(load, [figures(BOUND + 1)], {"files": ["ERROR boom"]})
    assert report["failures"] == [
        "1 error(s) in the load phase",
        "1 mismatch(es) in the load phase",
        "files grew by 64.0 MiB after the warm-up (bound 64 MiB)",
        "files logged 1 error line(s)",
    ]
    assert "RESULT: FAIL" in render(report)


def test_report_says_memory_was_not_measured_against_a_running_gateway():
    text = render(report_of(Recorder("load"), None, None))
    assert "memory: note" in text and "service logs: not read" in text


def test_percentiles_and_throughput_come_from_the_recorded_requests():
    load = Recorder("load")
    for milliseconds in range(1, 101):
        load.request("download", milliseconds / 1000, down=MIB)
    kind = phase_summary(load)["kinds"]["download"]
    assert (kind["p50_ms"], kind["p99_ms"], kind["bytes_down"]) == (50.5, 99.0, 100 * MIB)


def test_sampler_reads_memory_and_cpu_of_live_processes():
    sampler = RssSampler({"me": os.getpid()}, {"me"}, BOUND, interval=0.01)
    sampler.start()
    sampler.mark("warm")
    sampler.stop()
    [me] = sampler.figures()
    assert me.start > 0 and 0 < me.end <= me.peak and cpu_seconds(os.getpid()) > 0
    assert read_status(2**22 + 1) == (0, 0)


def test_upload_reply_problems_accept_the_contracts_reply_and_name_each_difference():
    step = build_plan(1, 1, 1, 10, 10).clients[0].steps[0]
    ext = "." + step.filename.rsplit(".", 1)[1].lower()
    url = "abcdefghij" + (ext if step.include_ext else "")
    reply = {
        "status": "success",
        "message": "File uploaded successfully",
        "file_url": url,
        "file_url_full": f"http://h/file/{url}",
        "key": "k",
        "ext": ext,
        "user_filename": step.filename,
        "synced": True,
        "auth_error": {},
    }
    assert upload_reply_problems(reply, step, synced=True) == []
    assert upload_reply_problems(reply, step, synced=False) == ["synced is True, expected False"]
