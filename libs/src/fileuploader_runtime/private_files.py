"""What a service keeps on its machine (databases, secrets, file bytes) is its own user's alone:
directories 0700, files 0600, for whatever it creates from the start on, and for what an earlier start
left open."""

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
OPEN_TO_OTHERS = stat.S_IRWXG | stat.S_IRWXO
SQLITE_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


class StorageNotPrivate(Exception):
    """A path other users can reach, which this process cannot make private."""


def create_private_files_from_now_on() -> None:
    os.umask(PRIVATE_UMASK)


def make_private(paths: Iterable[Path]) -> None:
    """Each existing path loses every group and other permission, with a warning; missing ones are
    skipped. Raises StorageNotPrivate when a path cannot be changed (another owner, read-only)."""
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if not mode & OPEN_TO_OTHERS:
            continue
        private = mode & ~OPEN_TO_OTHERS
        try:
            path.chmod(private)
        except OSError as error:
            raise StorageNotPrivate(
                f"{path} is open to other users (mode {mode:04o}) and cannot be made private "
                f"({error.strerror}): run `chmod go-rwx {path}` as its owner, or give the service "
                "a directory of its own"
            ) from error
        logger.warning("%s was open to other users (mode %04o); it is now %04o", path, mode, private)


def sqlite_files(database: Path) -> list[Path]:
    """The database file and those SQLite keeps beside it (write-ahead log, shared memory, journal)."""
    return [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANION_SUFFIXES)]
