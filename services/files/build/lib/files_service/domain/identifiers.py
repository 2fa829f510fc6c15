"""Public identifiers of a stored file: its URL, its delete key and its storage key."""

import re
import secrets
import string
import uuid

FILE_URL_ALPHABET = string.ascii_letters + string.digits + "_-"
FILE_URL_LENGTH = 10
MAX_FILE_URL_LENGTH = 64
# The token's alphabet and the extension's ("." and [a-z0-9_+-]): nothing else is ever looked up,
# so control characters (PostgreSQL refuses NUL in text) never reach the database.
_POSSIBLE_FILE_URL = re.compile(rf"[A-Za-z0-9_.+-]{{1,{MAX_FILE_URL_LENGTH}}}")


def new_file_url(ext: str, include_ext: bool) -> str:
    token = "".join(secrets.choice(FILE_URL_ALPHABET) for _ in range(FILE_URL_LENGTH))
    return token + ext if include_ext else token


def new_delete_key() -> str:
    return str(uuid.uuid4())


def new_storage_key() -> str:
    return uuid.uuid4().hex


def new_event_id() -> str:
    return str(uuid.uuid4())


def could_be_file_url(file_url: str) -> bool:
    return _POSSIBLE_FILE_URL.fullmatch(file_url) is not None
