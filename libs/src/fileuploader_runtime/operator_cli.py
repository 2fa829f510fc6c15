"""What every service's `admin` command shares: who the operator is, and how a failure reads."""

import argparse
import getpass

MAX_OPERATOR_LENGTH = 128


def add_operator_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--operator", default=None, help="who runs this, for the log (default: the OS user)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def operator_of(arguments: argparse.Namespace, max_length: int = MAX_OPERATOR_LENGTH) -> str:
    """The operator's name as given, or the OS user's; ValueError when it cannot go in a log line."""
    name = arguments.operator if arguments.operator is not None else _os_user()
    if not name or len(name) > max_length or not name.isprintable():
        raise ValueError(f"--operator must be 1-{max_length} printable characters")
    return name


def describe_failure(error: BaseException) -> str:
    """The error and, in brackets, each cause under it."""
    text = f"{type(error).__name__}: {error}"
    return f"{text} ({describe_failure(error.__cause__)})" if error.__cause__ is not None else text


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid without a passwd entry (a container's arbitrary user)
        return ""
