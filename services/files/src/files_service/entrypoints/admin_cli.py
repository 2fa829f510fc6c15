"""`python -m files_service admin <command>`: an operator's tools. Each action is logged (stderr, the
service's log format) with who ran it, `--operator` or the OS user; results go to stdout.

Exit status: 0 done; 1 nothing to act on (no such file, a hash not blocked); 2 an error (bad input,
the database unreachable)."""

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from files_service.bootstrap import Administration, build_administration
from files_service.domain.blocking import MAX_OPERATOR_LENGTH, BlockedHash, InvalidSha256
from files_service.domain.errors import FileNotFound, OwnerMissing
from files_service.domain.model import StoredFile
from files_service.settings import Settings
from fileuploader_runtime.operator_cli import add_operator_arguments, describe_failure, operator_of

logger = logging.getLogger(__name__)

EXIT_DONE = 0
EXIT_NOTHING_THERE = 1
EXIT_ERROR = 2
NATS_TIMEOUT_SECONDS = 10.0
DEFAULT_LIMIT = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_operator_arguments(parser)
    actions = parser.add_subparsers(dest="action", required=True, title="actions")
    for name, what in (
        ("show", "a file's owner, size, sha256, name and date"),
        ("delete", "delete a file as its owner's delete would"),
    ):
        actions.add_parser(name, help=what).add_argument(
            "file_url", type=file_url_of, help="the file URL, or its link (https://<host>/file/<file_url>)"
        )
    actions.add_parser(
        "delete-account-files", help="delete every file of an account, as its deletion does (finishes one)"
    ).add_argument("account_id", help="as `python -m auth_service admin disable <username>` prints it")
    block = actions.add_parser("block", help="refuse uploads of the bytes with this sha256")
    block.add_argument("sha256")
    block.add_argument("--reason", default="", help="why (kept with the block, at most 500 characters)")
    actions.add_parser("unblock", help="accept those bytes again").add_argument("sha256")
    actions.add_parser("blocked", help="list the blocked hashes")
    for name, what in (("largest", "the biggest files"), ("newest", "the most recently stored files")):
        listing = actions.add_parser(name, help=what)
        listing.add_argument(
            "--limit", type=int, default=DEFAULT_LIMIT, help="how many (default: %(default)s)"
        )


def file_url_of(text: str) -> str:
    """The file URL of a link as users share it (…/file/<url>, …/f/<url>, a query after it), or the text.
    A file URL may begin with "-", which argparse takes for an option: a link, or `--` before it, avoids
    that."""
    return text.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    try:
        operator = operator_of(arguments, MAX_OPERATOR_LENGTH)
    except ValueError as error:
        logger.error("%s", error)
        return EXIT_ERROR
    administration = await build_administration(settings, operator, NATS_TIMEOUT_SECONDS)
    try:
        return await _act(administration, arguments)
    except FileNotFound:
        logger.error("no file %s", arguments.file_url)
        return EXIT_NOTHING_THERE
    except (InvalidSha256, OwnerMissing) as error:
        logger.error("%s", error)
        return EXIT_ERROR
    except Exception as error:
        logger.error("admin %s failed: %s", arguments.action, describe_failure(error))
        return EXIT_ERROR
    finally:
        await administration.close()


async def _act(administration: Administration, arguments: argparse.Namespace) -> int:
    if (problem := await administration.schema_problem()) is not None:
        logger.error("%s", problem)
        return EXIT_ERROR
    admin = administration.admin
    match arguments.action:
        case "show":
            _print(arguments, _file_fields(await admin.show(arguments.file_url)))
        case "delete":
            await administration.start_publishing()
            _print(arguments, {"deleted": _file_fields(await admin.delete(arguments.file_url))})
        case "delete-account-files":
            await administration.start_publishing()
            deleted = await admin.delete_account_files(arguments.account_id)
            _print(arguments, {"account_id": arguments.account_id, "deleted_files": deleted})
        case "block":
            outcome = await admin.block(arguments.sha256, arguments.reason)
            _print(arguments, _blocked_fields(outcome.entry) | {"newly_blocked": outcome.newly_blocked})
        case "unblock":
            if not await admin.unblock(arguments.sha256):
                logger.error("sha256 %s was not blocked", arguments.sha256)
                return EXIT_NOTHING_THERE
            _print(arguments, {"unblocked": arguments.sha256.strip().lower()})
        case "blocked":
            _print_many(arguments, [_blocked_fields(entry) for entry in await admin.blocked()])
        case "largest":
            _print_many(arguments, [_file_fields(stored) for stored in await admin.largest(arguments.limit)])
        case "newest":
            _print_many(arguments, [_file_fields(stored) for stored in await admin.newest(arguments.limit)])
    return EXIT_DONE


def _file_fields(stored: StoredFile) -> dict[str, Any]:
    """What an operator may see of a file: never its delete key or its storage key."""
    return {
        "file_url": stored.file_url,
        "user_filename": stored.user_filename,
        "ext": stored.ext,
        "size": stored.size,
        "sha256": stored.sha256,
        "owner_account_id": stored.owner_account_id or None,
        "created_at": stored.created_at.isoformat(),
        # A small file's bytes are in its database row (FU_FILES_INLINE_MAX_BYTES), the others' in the store.
        "stored_in": "database" if stored.inline else "store",
    }


def _blocked_fields(entry: BlockedHash) -> dict[str, Any]:
    return {
        "sha256": entry.sha256,
        "reason": entry.reason,
        "blocked_by": entry.blocked_by,
        "blocked_at": entry.blocked_at.isoformat(),
    }


def _print(arguments: argparse.Namespace, fields: dict[str, Any]) -> None:
    if arguments.json:
        sys.stdout.write(json.dumps(fields) + "\n")
        return
    for name, value in _flat(fields):
        sys.stdout.write(f"{name}: {'-' if value is None else value}\n")


def _print_many(arguments: argparse.Namespace, rows: Sequence[dict[str, Any]]) -> None:
    if arguments.json:
        sys.stdout.write(json.dumps(list(rows)) + "\n")
        return
    for row in rows:
        sys.stdout.write("  ".join("-" if value is None else str(value) for value in row.values()) + "\n")


def _flat(fields: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for name, value in fields.items():
        if isinstance(value, dict):
            pairs += _flat(value, f"{prefix}{name}.")
        else:
            pairs.append((prefix + name, value))
    return pairs
