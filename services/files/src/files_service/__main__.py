"""`python -m files_service` (and the fileuploader-files console script): serve; or `... reconcile`,
`... migrate`, `... admin`."""

import argparse
import asyncio
import logging
import sys

import uvloop

from files_service.bootstrap import protect_local_data
from files_service.entrypoints import admin_cli, migrate_cli, reconcile_cli
from files_service.entrypoints.server import serve
from files_service.settings import Settings
from fileuploader_runtime.buffer_reuse import reuse_freed_buffers
from fileuploader_runtime.logs import configure_logging
from fileuploader_runtime.private_files import StorageNotPrivate
from fileuploader_runtime.reconcile.report import EXIT_ERROR
from fileuploader_runtime.startup import settings_or_exit

logger = logging.getLogger(__name__)

SERVICE = "files"


def main() -> None:
    arguments = _parser().parse_args()
    settings = settings_or_exit(SERVICE, Settings)
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    try:
        protect_local_data(settings)
    except StorageNotPrivate as error:
        logger.error("refusing to start: %s", error)
        sys.exit(EXIT_ERROR)
    if arguments.command == "reconcile":
        sys.exit(asyncio.run(reconcile_cli.reconcile(settings, arguments)))
    if arguments.command == "migrate":
        sys.exit(asyncio.run(migrate_cli.migrate(settings)))
    if arguments.command == "admin":
        sys.exit(asyncio.run(admin_cli.run(settings, arguments)))
    reuse_freed_buffers(share_arenas=True)
    uvloop.run(serve(settings))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="files_service", description="The File Uploader files service.")
    commands = parser.add_subparsers(dest="command", title="commands (none: serve)")
    reconcile = commands.add_parser(
        "reconcile", help="compare file metadata, stored bytes, temp data and the outbox; repair"
    )
    reconcile_cli.add_arguments(reconcile)
    commands.add_parser("migrate", help="bring the database to the newest schema revision (as a start does)")
    admin = commands.add_parser("admin", help="an operator's tools: show, delete, block files")
    admin_cli.add_arguments(admin)
    return parser


if __name__ == "__main__":
    main()
