"""`python -m files_service reconcile [--repair]`: compares the file metadata with the stored bytes,
the temp data and the outbox; with --repair deletes what is orphaned and publishes what is pending.

Exit status: 0 no differences, 1 differences found (repaired or not), 2 an error (the report may be
incomplete, or a repair could not be done)."""

import argparse
import functools
from datetime import timedelta

from files_service.bootstrap import build_reconciliation
from files_service.reconcile import ReconcileOptions
from files_service.settings import Settings
from fileuploader_runtime.reconcile.command import add_common_arguments, report_reconciliation

NATS_TIMEOUT_SECONDS = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(
        parser,
        repair_help="delete orphaned blobs and old temp data, publish the outbox backlog",
        grace_help="leave alone whatever is younger: it may be an upload in progress (default: %(default)s)",
    )


async def reconcile(settings: Settings, arguments: argparse.Namespace) -> int:
    options = ReconcileOptions(
        repair=arguments.repair,
        grace=timedelta(seconds=arguments.grace_seconds),
        sample_size=max(arguments.limit, 0),
    )
    return await report_reconciliation(
        functools.partial(build_reconciliation, settings, NATS_TIMEOUT_SECONDS),
        options,
        service="files",
        as_json=arguments.json,
    )
