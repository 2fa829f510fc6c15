"""The reconciliation report: exit status, and its text and JSON forms."""

import json

from files_service.domain.reconciliation import Difference, Finding, ReconcileReport
from files_service.entrypoints.reconcile_report import report_as_json, report_as_text


def report_with(*findings: Finding, repair: bool = False, repaired: bool = False) -> ReconcileReport:
    report = ReconcileReport(repair=repair, sample_size=1)
    report.checked.update(files=3, blobs=4)
    for finding in findings:
        report.record(finding, repaired=repaired)
    return report


def orphan(key: str) -> Finding:
    return Finding(Difference.ORPHANED_BLOB, key, "6 bytes", "deleted")


def test_exit_status_is_0_when_clean_1_with_differences_and_2_after_an_error():
    assert report_with().exit_status == 0
    assert report_with(orphan("aaaa0001")).exit_status == 1
    report = report_with()
    report.error("NATS unreachable")
    assert report.exit_status == 2


def test_text_report_names_each_kind_found_with_its_first_items():
    text = report_as_text(report_with(orphan("aaaa0001"), orphan("aaaa0002"), repair=True, repaired=True))

    assert text.splitlines() == [
        "files reconciliation (check and repair): checked 3 files, 4 blobs",
        "orphaned_blob: 2 found, 2 repaired, 0 remaining",
        "  aaaa0001  6 bytes  [deleted]",
        "  ... and 1 more",
    ]


def test_text_report_says_so_when_there_is_no_difference():
    assert report_as_text(report_with()).splitlines()[-1] == "no differences"


def test_text_report_lists_the_errors():
    report = report_with()
    report.error("NATS unreachable")

    assert report_as_text(report).splitlines()[-1] == "error: NATS unreachable"


def test_json_report_has_every_kind_with_its_counts_and_items():
    document = json.loads(report_as_json(report_with(orphan("aaaa0001"))))

    assert document["service"] == "files" and document["exit_status"] == 1 and document["differences"] == 1
    assert document["checked"] == {"files": 3, "blobs": 4}
    assert set(document["kinds"]) == {kind.value for kind in Difference}
    assert document["kinds"]["orphaned_blob"] == {
        "found": 1,
        "repaired": 0,
        "remaining": 1,
        "samples": [{"subject": "aaaa0001", "detail": "6 bytes", "action": "deleted"}],
    }
    assert document["errors"] == []
