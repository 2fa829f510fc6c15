"""The reconcile commands' shared part: common options, and how a report or a failure ends a command."""

import argparse
import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum

import pytest

from fileuploader_runtime.reconcile.command import add_common_arguments, report_reconciliation
from fileuploader_runtime.reconcile.report import EXIT_CLEAN, EXIT_DIFFERENCES, EXIT_ERROR, ReconcileReport


class Kind(StrEnum):
    ODD = "odd"


@dataclass
class FakeReconciler:
    differences: int = 0
    failure: BaseException | None = None
    seen: list[object] = field(default_factory=list)

    async def reconcile(self, options: object) -> ReconcileReport:
        self.seen.append(options)
        if self.failure is not None:
            raise self.failure
        report = ReconcileReport(Kind, repair=False, sample_size=1)
        report.record_counted(Kind.ODD, found=self.differences, repaired=0, samples=[])
        return report


@dataclass
class FakeReconciliation:
    reconciler: FakeReconciler
    closed: bool = False

    async def close(self) -> None:
        self.closed = True


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_common_arguments(parser, repair_help="repair", grace_help="grace (default: %(default)s)")
    return parser


def test_the_common_options_and_their_defaults():
    defaults = {"repair": False, "json": False, "grace_seconds": 3600.0, "limit": 20}
    assert vars(parser().parse_args([])) == defaults
    given = parser().parse_args(["--repair", "--json", "--grace-seconds", "0", "--limit", "3"])
    assert vars(given) == {"repair": True, "json": True, "grace_seconds": 0.0, "limit": 3}


def test_a_negative_grace_is_refused(capsys):
    with pytest.raises(SystemExit):
        parser().parse_args(["--grace-seconds", "-1"])
    assert "must be 0 or more" in capsys.readouterr().err


@pytest.mark.parametrize(("differences", "status"), [(0, EXIT_CLEAN), (2, EXIT_DIFFERENCES)])
async def test_the_report_is_printed_and_its_status_returned_and_the_reconciliation_closed(
    differences, status, capsys
):
    reconciliation = FakeReconciliation(FakeReconciler(differences))

    async def build() -> FakeReconciliation:
        return reconciliation

    assert await report_reconciliation(build, "options", service="toy", as_json=True) == status

    document = json.loads(capsys.readouterr().out)
    assert (document["service"], document["differences"]) == ("toy", differences)
    assert reconciliation.reconciler.seen == ["options"] and reconciliation.closed


async def test_a_failure_is_logged_with_its_causes_and_exits_2(caplog):
    failure = RuntimeError("query failed")
    failure.__cause__ = ConnectionRefusedError("refused")
    reconciliation = FakeReconciliation(FakeReconciler(failure=failure))

    async def build() -> FakeReconciliation:
        return reconciliation

    with caplog.at_level(logging.ERROR):
        assert await report_reconciliation(build, None, service="toy", as_json=False) == EXIT_ERROR

    assert "RuntimeError: query failed (ConnectionRefusedError: refused)" in caplog.text
    assert reconciliation.closed


async def test_a_failure_to_build_is_described_in_the_services_words(caplog):
    async def build() -> FakeReconciliation:
        raise LookupError("files unreachable")

    def describe(error: BaseException) -> str | None:
        return "files said no" if isinstance(error, LookupError) else None

    status = await report_reconciliation(build, None, service="toy", as_json=False, describe=describe)

    assert status == EXIT_ERROR
    assert "reconciliation failed: files said no" in caplog.text
