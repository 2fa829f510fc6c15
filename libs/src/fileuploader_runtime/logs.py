"""Log lines as text or as one JSON object each, every one carrying the request id it was logged under."""

import logging
from collections.abc import Sequence
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from fileuploader_runtime.request_ids import RequestIdLogFilter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [request_id=%(request_id)s] %(message)s"
LogFormat = Literal["json", "text"]
# Libraries that narrate routine work at INFO: a start that changes nothing says nothing.
_QUIETED_TO_WARNING = ("alembic",)


def log_formatter(service: str, log_format: LogFormat) -> logging.Formatter:
    """JSON: timestamp, level, logger, message, request_id, service, and exception when there is one."""
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        "{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
        static_fields={"service": service},
        timestamp=True,
        # uvicorn repeats some messages with terminal colours in an extra attribute
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def configure_logging(
    service: str, level: str, log_format: LogFormat, filters: Sequence[logging.Filter] = ()
) -> None:
    """Every record goes through one handler on the root, which adds the request id and then applies
    `filters` (the gateway's redacts secrets in URLs)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    for extra in filters:
        handler.addFilter(extra)
    handler.setFormatter(log_formatter(service, log_format))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in _QUIETED_TO_WARNING:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
