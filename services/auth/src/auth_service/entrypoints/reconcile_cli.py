"""`python -m auth_service reconcile [--repair]`: compares each account's file list with the files
service's records (ListOwnedFiles); with --repair has files publish the missing upload events again
and corrects what events cannot, then compares again.

Exit status: 0 no differences, 1 differences found (repaired or not), 2 an error (the report may be
incomplete, or a repair could not be done)."""

import argparse
from datetime import timedelta

import grpc

from auth_service.bootstrap import Reconciliation, build_reconciliation
from auth_service.reconcile import ReconcileOptions
from auth_service.settings import Settings
from fileuploader_runtime.reconcile.command import (
    add_common_arguments,
    non_negative_seconds,
    report_reconciliation,
)

DEFAULT_EVENTS_TIMEOUT_SECONDS = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(
        parser,
        repair_help="have files publish missing upload events again; correct, revive or remove list entries",
        grace_help="leave alone files newer than this: their events may be on their way (default: %(default)s)",
    )
    parser.add_argument(
        "--events-timeout-seconds",
        type=non_negative_seconds,
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

    async def build() -> Reconciliation:
        return build_reconciliation(settings)

    return await report_reconciliation(
        build, options, service="auth", as_json=arguments.json, describe=_describe
    )


def _describe(error: BaseException) -> str | None:
    """A failed call to files, by its status."""
    if isinstance(error, grpc.aio.AioRpcError):
        return f"the files service answered {error.code().name}: {error.details()}"
    return None
