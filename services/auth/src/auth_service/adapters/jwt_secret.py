"""The development signing secret: generated once, kept in a 0600 file, reused on later starts."""

import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32


def load_or_create_secret(path: Path) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as file:
        file.write(secret)
    logger.info("generated a development JWT secret in %s", path)
    return secret


def _read_secret(path: Path) -> str:
    secret = path.read_text().strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise RuntimeError(
            f"{path} holds a JWT secret shorter than {MIN_SECRET_LENGTH} characters: "
            "delete the file to have a new one generated, or set FU_AUTH_JWT_SECRET"
        )
    return secret
