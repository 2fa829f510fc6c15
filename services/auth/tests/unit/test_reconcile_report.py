"""The account lists' reconciliation report: exit status, and its text and JSON forms."""

import json

from auth_service.domain.list_comparison import Difference
from auth_service.domain.reconciliation import Finding, ReconcileReport
from auth_service.entrypoints.reconcile_report import report_as_json, report_as_text

MISSING = Finding(Difference.MISSING_FROM_LIST, "f1", "account acc-1: a.txt, 5 bytes, not listed")


def test_exit_status_is_0_when_clean_1_with_differences_and_2_after_an_error():
    report = ReconcileReport(repair=False, sample_size=5)
    assert report.exit_status == 0
    report.record(MISSING)
    assert report.exit_status == 1
    report.error("files unreachable")
    assert report.exit_status == 2


def test_without_repair_everything_found_remains():
    report = ReconcileReport(repair=False, sample_size=5)
    report.record(MISSING)

    tally = report.tallies[Difference.MISSING_FROM_LIST]
    assert (tally.found, tally.repaired, tally.remaining) == (1, 0, 1)


def test_text_report_lists_the_differences_then_the_notes():
    report = ReconcileReport(repair=True, sample_size=5)
    report.checked.update(owned_files=2, list_entries=1)
    report.record(Finding(MISSING.kind, MISSING.subject, MISSING.detail, "revived"), repaired=True)
    report.note("events on their way")

    assert report_as_text(report).splitlines() == [
        "auth reconciliation (check and repair): checked 2 owned files, 1 list entries",
        "missing_from_list: 1 found, 1 repaired, 0 remaining",
        "  f1  account acc-1: a.txt, 5 bytes, not listed  [revived]",
        "note: events on their way",
    ]


def test_json_report_has_every_kind_the_notes_and_the_errors():
    report = ReconcileReport(repair=False, sample_size=5)
    report.record(MISSING)
    report.note("events on their way")

    document = json.loads(report_as_json(report))

    assert (document["service"], document["exit_status"], document["differences"]) == ("auth", 1, 1)
    assert set(document["kinds"]) == {kind.value for kind in Difference}
    assert document["kinds"]["missing_from_list"]["samples"] == [
        {"subject": "f1", "detail": MISSING.detail, "action": ""}
    ]
    assert (document["notes"], document["errors"]) == (["events on their way"], [])
