"""The rules for a user's file name and the extension taken from it."""

import re
from dataclasses import dataclass

from files_service.domain.errors import BadExtension, BadFilename

MAX_FILENAME_LENGTH = 255
_PATH_SEPARATORS = re.compile(r"[/\\]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_EXTENSION = re.compile(r"[a-z0-9_+-]{1,16}")


@dataclass(frozen=True)
class FileName:
    user_filename: str
    ext: str


def parse_file_name(raw_name: str) -> FileName:
    """The last path component of raw_name and its extension (".mp4"), or BadFilename/BadExtension."""
    user_filename = _PATH_SEPARATORS.split(raw_name)[-1]
    if not user_filename or len(user_filename) > MAX_FILENAME_LENGTH:
        raise BadFilename(f"file name must be 1-{MAX_FILENAME_LENGTH} characters")
    if _CONTROL_CHARACTERS.search(user_filename):
        raise BadFilename("file name must not contain control characters")
    return FileName(user_filename=user_filename, ext=extension_of(user_filename))


def extension_of(user_filename: str) -> str:
    _, dot, extension = user_filename.rpartition(".")
    extension = extension.lower()
    if not dot or not _EXTENSION.fullmatch(extension):
        raise BadExtension("file name needs an extension of 1-16 characters of [a-z0-9_+-]")
    return "." + extension
