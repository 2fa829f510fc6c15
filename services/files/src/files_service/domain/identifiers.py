"""Public identifiers of a stored file: its URL, its delete key and its storage key."""

import secrets
import string
import uuid

FILE_URL_ALPHABET = string.ascii_letters + string.digits + "_-"
FILE_URL_LENGTH = 10
MAX_FILE_URL_LENGTH = 64


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
    return 0 < len(file_url) <= MAX_FILE_URL_LENGTH
