"""`python -m auth_service reconcile [--repair]`: compares each account's file list with the files
service's records (ListOwnedFiles); with --repair has files publish the missing upload events again
and corrects what events cannot, then compares again.

Exit status: 0 no differences, 1 differences found (repaired or not), 2 an error (the report may be
incomplete, or a repair could not be done)."""

import argparse
import logging
import sys
from datetime import timedelta

import grpc

from auth_service.bootstrap import build_reconciliation
from auth_service.domain.reconciliation import EXIT_ERROR
from auth_service.entrypoints.reconcile_report import report_as_json, report_as_text
from auth_service.reconcile import ReconcileOptions
from auth_service.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 3600.0
DEFAULT_LIMIT = 20
DEFAULT_EVENTS_TIMEOUT_SECONDS = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repair",
        action="store_true",
        help="have files publish missing upload events again; correct, revive or remove list entries",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--grace-seconds",
        type=_non_negative,
        default=DEFAULT_GRACE_SECONDS,
        help="leave alone files newer than this: their events may be on their way (default: %(default)s)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help="how many items of each kind of difference to list (default: %(default)s)",
    )
    parser.add_argument(
        "--events-timeout-seconds",
        type=_non_negative,
        default=DEFAULT_EVENTS_TIMEOUT_SECONDS,
        help="how long to wait for the auth service to apply the file events, before comparing and "
        "after a repair (default: %(default)s)",
    )


async def reconcile(settings: Settings, arguments: argparse.Namespace) -> int:
    options = ReconcileOptions(
        repair=arguments.repair,
        grace=timedelta(seconds=arguments.grace_seconds),
        sample_size=max(arguments.limit, 0),
        events_timeout_seconds=arguments.events_timeout_seconds,
    )
    reconciliation = build_reconciliation(settings)
    try:
        report = await reconciliation.reconciler.reconcile(options)
    except Exception as error:
        logger.error("reconciliation failed: %s", _describe(error))
        return EXIT_ERROR
    finally:
        await reconciliation.close()
    sys.stdout.write((report_as_json(report) if arguments.json else report_as_text(report)) + "\n")
    return report.exit_status


def _non_negative(value: str) -> float:
    seconds = float(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return seconds


def _describe(error: BaseException) -> str:
    """The error and what caused it; for a failed call to files, its status."""
    if isinstance(error, grpc.aio.AioRpcError):
        return f"the files service answered {error.code().name}: {error.details()}"
    text = f"{type(error).__name__}: {error}"
    return f"{text} ({_describe(error.__cause__)})" if error.__cause__ is not None else text
