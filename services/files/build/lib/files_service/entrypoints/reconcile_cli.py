"""`python -m files_service reconcile [--repair]`: compares the file metadata with the stored bytes,
the temp data and the outbox; with --repair deletes what is orphaned and publishes what is pending.

Exit status: 0 no differences, 1 differences found (repaired or not), 2 an error (the report may be
incomplete, or a repair could not be done)."""

import argparse
import logging
import sys
from datetime import timedelta

from files_service.bootstrap import build_reconciliation
from files_service.domain.reconciliation import EXIT_ERROR, ReconcileReport
from files_service.entrypoints.reconcile_report import report_as_json, report_as_text
from files_service.reconcile import ReconcileOptions
from files_service.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 3600.0
DEFAULT_LIMIT = 20
NATS_TIMEOUT_SECONDS = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repair",
        action="store_true",
        help="delete orphaned blobs and old temp data, publish the outbox backlog",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--grace-seconds",
        type=_non_negative,
        default=DEFAULT_GRACE_SECONDS,
        help="leave alone whatever is younger: it may be an upload in progress (default: %(default)s)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help="how many items of each kind of difference to list (default: %(default)s)",
    )


async def reconcile(settings: Settings, arguments: argparse.Namespace) -> int:
    options = ReconcileOptions(
        repair=arguments.repair,
        grace=timedelta(seconds=arguments.grace_seconds),
        sample_size=max(arguments.limit, 0),
    )
    try:
        report = await _reconcile(settings, options)
    except Exception as error:
        logger.error("reconciliation failed: %s", _describe(error))
        return EXIT_ERROR
    sys.stdout.write((report_as_json(report) if arguments.json else report_as_text(report)) + "\n")
    return report.exit_status


async def _reconcile(settings: Settings, options: ReconcileOptions) -> ReconcileReport:
    reconciliation = await build_reconciliation(settings, NATS_TIMEOUT_SECONDS)
    try:
        return await reconciliation.reconciler.reconcile(options)
    finally:
        await reconciliation.close()


def _non_negative(value: str) -> float:
    seconds = float(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return seconds


def _describe(error: BaseException) -> str:
    """The error and what caused it, which for a database error says what actually went wrong."""
    text = f"{type(error).__name__}: {error}"
    return f"{text} ({_describe(error.__cause__)})" if error.__cause__ is not None else text
