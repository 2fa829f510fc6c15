"""`python -m files_service` (and the fileuploader-files console script): serve; or `... reconcile`,
`... migrate`, `... admin`."""

import argparse
import asyncio
import logging
import sys

import uvloop
from pydantic import ValidationError

from fileuploader_runtime.private_files import StorageNotPrivate
from files_service.bootstrap import protect_local_data
from files_service.buffer_reuse import reuse_freed_buffers
from fileuploader_runtime.reconcile.report import EXIT_ERROR
from files_service.entrypoints import admin_cli, migrate_cli, reconcile_cli
from files_service.entrypoints.logs import configure_logging
from files_service.entrypoints.server import serve
from files_service.settings import Settings

logger = logging.getLogger(__name__)


def main() -> None:
    arguments = _parser().parse_args()
    configure_logging("WARNING", "text")  # until the settings, and so the chosen format, are known
    try:
        settings = Settings()
    except ValidationError as error:
        logger.error("invalid configuration: %s", _describe(error))
        sys.exit(EXIT_ERROR)
    configure_logging(settings.log_level, settings.log_format)
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
    reuse_freed_buffers()
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


def _describe(error: ValidationError) -> str:
    """The problems without the input values, which may hold secrets."""
    problems = error.errors(include_input=False, include_url=False)
    return "; ".join(
        f"{'.'.join(map(str, problem['loc'])) or 'settings'}: {problem['msg']}" for problem in problems
    )


if __name__ == "__main__":
    main()
