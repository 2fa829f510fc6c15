"""The reconciliation report: its counts, exit status, and its text and JSON forms."""

import json
from enum import StrEnum

from fileuploader_runtime.reconcile.report import Finding, ReconcileReport
from fileuploader_runtime.reconcile.report_format import report_as_json, report_as_text


class Kind(StrEnum):
    ORPHANED = "orphaned"
    MISSING = "missing"


def report_with(*findings: Finding, repair: bool = False, repaired: bool = False) -> ReconcileReport:
    report = ReconcileReport(Kind, repair=repair, sample_size=1)
    report.checked.update(files=3, blobs=4)
    for finding in findings:
        report.record(finding, repaired=repaired)
    return report


def orphan(key: str) -> Finding:
    return Finding(Kind.ORPHANED, key, "6 bytes", "deleted")


def test_exit_status_is_0_when_clean_1_with_differences_and_2_after_an_error():
    assert report_with().exit_status == 0
    assert report_with(orphan("aaaa0001")).exit_status == 1
    report = report_with()
    report.error("NATS unreachable")
    assert report.exit_status == 2


def test_what_is_found_and_not_repaired_remains():
    report = report_with(orphan("aaaa0001"))
    report.record(orphan("aaaa0002"), repaired=True)
    report.record_counted(Kind.MISSING, found=5, repaired=3, samples=[Finding(Kind.MISSING, "m", "gone")])

    orphaned, missing = report.tallies[Kind.ORPHANED], report.tallies[Kind.MISSING]
    assert (orphaned.found, orphaned.repaired, orphaned.remaining, len(orphaned.samples)) == (2, 1, 1, 1)
    assert (missing.found, missing.repaired, missing.remaining) == (5, 3, 2)


def test_a_comparison_after_the_repair_counts_what_remains_instead():
    report = report_with(orphan("aaaa0001"), orphan("aaaa0002"), repair=True, repaired=True)
    report.recount_remaining()
    report.count_remaining(Kind.ORPHANED)

    tally = report.tallies[Kind.ORPHANED]
    assert (tally.found, tally.repaired, tally.remaining) == (2, 2, 1)


def test_text_report_names_each_kind_found_with_its_first_items_then_the_notes():
    report = report_with(orphan("aaaa0001"), orphan("aaaa0002"), repair=True, repaired=True)
    report.note("events on their way")

    assert report_as_text(report, "files").splitlines() == [
        "files reconciliation (check and repair): checked 3 files, 4 blobs",
        "orphaned: 2 found, 2 repaired, 0 remaining",
        "  aaaa0001  6 bytes  [deleted]",
        "  ... and 1 more",
        "note: events on their way",
    ]


def test_text_report_says_so_when_there_is_no_difference():
    assert report_as_text(report_with(), "auth").splitlines() == [
        "auth reconciliation (check only): checked 3 files, 4 blobs",
        "no differences",
    ]


def test_text_report_lists_the_errors():
    report = report_with()
    report.error("NATS unreachable")

    assert report_as_text(report, "files").splitlines()[-1] == "error: NATS unreachable"


def test_json_report_has_every_kind_with_its_counts_and_items_the_notes_and_the_errors():
    report = report_with(orphan("aaaa0001"))
    report.note("events on their way")

    document = json.loads(report_as_json(report, "files"))

    assert document["service"] == "files" and document["exit_status"] == 1 and document["differences"] == 1
    assert document["checked"] == {"files": 3, "blobs": 4}
    assert set(document["kinds"]) == {kind.value for kind in Kind}
    assert document["kinds"]["orphaned"] == {
        "found": 1,
        "repaired": 0,
        "remaining": 1,
        "samples": [{"subject": "aaaa0001", "detail": "6 bytes", "action": "deleted"}],
    }
    assert (document["notes"], document["errors"]) == (["events on their way"], [])
