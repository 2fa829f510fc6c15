"""`python -m auth_service` (and the fileuploader-auth console script): serve; or `... reconcile`,
`... migrate`, `... admin`."""

import argparse
import asyncio
import logging
import sys

import uvloop

from auth_service.bootstrap import protect_local_data
from auth_service.entrypoints import admin_cli, migrate_cli, reconcile_cli
from auth_service.entrypoints.server import serve
from auth_service.settings import Settings
from fileuploader_runtime.logs import configure_logging
from fileuploader_runtime.private_files import StorageNotPrivate
from fileuploader_runtime.startup import settings_or_exit

logger = logging.getLogger(__name__)

SERVICE = "auth"


def main() -> None:
    arguments = _parser().parse_args()
    settings = settings_or_exit(SERVICE, Settings)
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    try:
        protect_local_data(settings)
    except StorageNotPrivate as error:
        logger.error("refusing to start: %s", error)
        raise SystemExit(2) from None
    if arguments.command == "reconcile":
        sys.exit(asyncio.run(reconcile_cli.reconcile(settings, arguments)))
    if arguments.command == "migrate":
        sys.exit(asyncio.run(migrate_cli.migrate(settings)))
    if arguments.command == "admin":
        sys.exit(asyncio.run(admin_cli.run(settings, arguments)))
    uvloop.run(serve(settings))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auth_service", description="The File Uploader auth service.")
    commands = parser.add_subparsers(dest="command", title="commands (none: serve)")
    reconcile = commands.add_parser("reconcile", help="compare the account file lists with files; repair")
    reconcile_cli.add_arguments(reconcile)
    commands.add_parser("migrate", help="bring the database to the newest schema revision (as a start does)")
    admin = commands.add_parser("admin", help="an operator's tools: disable, enable, delete accounts")
    admin_cli.add_arguments(admin)
    return parser


if __name__ == "__main__":
    main()
