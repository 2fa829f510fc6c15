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


# 64 symbols: the low 6 bits of a random byte pick one uniformly, all of a token's from one read of
# the system's randomness (secrets.choice reads it once per character).
_SYMBOL_BITS = len(FILE_URL_ALPHABET) - 1
assert len(FILE_URL_ALPHABET) == 64


def new_file_url(ext: str, include_ext: bool) -> str:
    token = "".join([FILE_URL_ALPHABET[byte & _SYMBOL_BITS] for byte in secrets.token_bytes(FILE_URL_LENGTH)])
    return token + ext if include_ext else token


def new_delete_key() -> str:
    return str(uuid.uuid4())


def new_storage_key() -> str:
    return uuid.uuid4().hex


def new_event_id() -> str:
    return str(uuid.uuid4())


def could_be_file_url(file_url: str) -> bool:
    return _POSSIBLE_FILE_URL.fullmatch(file_url) is not None
