"""What the services' `reconcile` commands share: the options every one takes, and how a report or a
failure ends the command (exit status 0 no differences, 1 differences found, 2 an error)."""

import argparse
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from fileuploader_runtime.reconcile.report import EXIT_ERROR, ReconcileReport
from fileuploader_runtime.reconcile.report_format import report_as_json, report_as_text

logger = logging.getLogger(__name__)


class Reconciler(Protocol):
    async def reconcile(self, options: Any) -> ReconcileReport: ...  # options: the service's own


class Reconciliation(Protocol):
    """What a service's bootstrap builds for the command: the reconciler and what it holds open."""

    @property
    def reconciler(self) -> Reconciler: ...

    async def close(self) -> None: ...


DEFAULT_GRACE_SECONDS = 3600.0
DEFAULT_LIMIT = 20


def add_common_arguments(parser: argparse.ArgumentParser, *, repair_help: str, grace_help: str) -> None:
    """--repair, --json, --grace-seconds and --limit; `grace_help` may name the default as %(default)s."""
    parser.add_argument("--repair", action="store_true", help=repair_help)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--grace-seconds", type=non_negative_seconds, default=DEFAULT_GRACE_SECONDS, help=grace_help
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help="how many items of each kind of difference to list (default: %(default)s)",
    )


def non_negative_seconds(value: str) -> float:
    seconds = float(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return seconds


async def report_reconciliation(
    build: Callable[[], Awaitable[Reconciliation]],
    options: object,
    *,
    service: str,
    as_json: bool,
    describe: Callable[[BaseException], str | None] = lambda error: None,
) -> int:
    """Builds the reconciliation, runs it and closes it; prints the report and returns its exit status.
    A failure is logged, with `describe`'s words for the errors it knows (None: the error's own), and
    exits 2."""
    try:
        report = await _reconcile(build, options)
    except Exception as error:
        logger.error("reconciliation failed: %s", _with_causes(error, describe))
        return EXIT_ERROR
    sys.stdout.write((report_as_json(report, service) if as_json else report_as_text(report, service)) + "\n")
    return report.exit_status


async def _reconcile(build: Callable[[], Awaitable[Reconciliation]], options: object) -> ReconcileReport:
    reconciliation = await build()
    try:
        return await reconciliation.reconciler.reconcile(options)
    finally:
        await reconciliation.close()


def _with_causes(error: BaseException, describe: Callable[[BaseException], str | None]) -> str:
    """The error and what caused it, which for a database error says what actually went wrong."""
    known = describe(error)
    if known is not None:
        return known
    text = f"{type(error).__name__}: {error}"
    return f"{text} ({_with_causes(error.__cause__, describe)})" if error.__cause__ is not None else text
