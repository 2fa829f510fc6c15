"""`python -m auth_service admin <command>`: an operator's tools for accounts. Each action is logged
(stderr, the service's log format) with who ran it, `--operator` or the OS user; results go to stdout.

Exit status: 0 done (or so already); 1 no such account; 2 an error (bad input, the database unreachable)."""

import argparse
import json
import logging
import sys

from auth_service.admin import AccountChange
from auth_service.bootstrap import build_administration
from auth_service.domain.errors import AccountNotDisabled, UserNotFound
from auth_service.settings import Settings
from fileuploader_runtime.operator_cli import add_operator_arguments, describe_failure, operator_of

logger = logging.getLogger(__name__)

EXIT_DONE = 0
EXIT_NO_ACCOUNT = 1
EXIT_ERROR = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_operator_arguments(parser)
    actions = parser.add_subparsers(dest="action", required=True, title="actions")
    actions.add_parser(
        "disable", help="refuse the account's tokens (revoking them) and its logins; its files are kept"
    ).add_argument("username")
    actions.add_parser("enable", help="let the account log in again").add_argument("username")
    actions.add_parser(
        "delete", help="delete a disabled account whose files are deleted (finishes an account deletion)"
    ).add_argument("username")


async def run(settings: Settings, arguments: argparse.Namespace) -> int:
    try:
        operator = operator_of(arguments)
    except ValueError as error:
        logger.error("%s", error)
        return EXIT_ERROR
    administration = build_administration(settings, operator)
    try:
        if (problem := await administration.schema_problem()) is not None:
            logger.error("%s", problem)
            return EXIT_ERROR
        if arguments.action == "disable":
            change = await administration.admin.disable(arguments.username)
        elif arguments.action == "delete":
            change = await administration.admin.delete(arguments.username)
        else:
            change = await administration.admin.enable(arguments.username)
    except AccountNotDisabled:
        logger.error("account %r is not disabled: disable it and delete its files first", arguments.username)
        return EXIT_ERROR
    except UserNotFound:
        logger.error("no account named %r", arguments.username)
        return EXIT_NO_ACCOUNT
    except Exception as error:
        logger.error("admin %s failed: %s", arguments.action, describe_failure(error))
        return EXIT_ERROR
    finally:
        await administration.close()
    _print(arguments, change)
    return EXIT_DONE


def _print(arguments: argparse.Namespace, change: AccountChange) -> None:
    fields = {
        "username": change.account.username,
        "account_id": change.account.account_id,
        "action": arguments.action,
        "changed": change.changed,
        "tokens_revoked": change.tokens_revoked,
    }
    if arguments.json:
        sys.stdout.write(json.dumps(fields) + "\n")
    else:
        sys.stdout.write("".join(f"{name}: {value}\n" for name, value in fields.items()))
