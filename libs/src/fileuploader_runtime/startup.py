"""What every service does first when its process starts: read its settings or refuse to start."""

import logging
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from fileuploader_runtime.logs import configure_logging

logger = logging.getLogger(__name__)

EXIT_INVALID_SETTINGS = 2
Settings = TypeVar("Settings")


def settings_or_exit(service: str, read_settings: Callable[[], Settings]) -> Settings:
    """The settings, or exit status 2 with what is wrong with them (never their values: secrets), logged
    as text since the chosen format is unknown."""
    try:
        return read_settings()
    except ValidationError as error:
        configure_logging(service, "INFO", "text")
        logger.error("refusing to start, invalid configuration: %s", describe_invalid(error))
        raise SystemExit(EXIT_INVALID_SETTINGS) from None


def describe_invalid(error: ValidationError) -> str:
    """The problems without the input values, which may hold secrets."""
    problems = error.errors(include_input=False, include_url=False)
    return "; ".join(
        f"{'.'.join(map(str, problem['loc'])) or 'settings'}: {problem['msg']}" for problem in problems
    )
