"""Log lines as text or as one JSON object each, every one carrying the request id of its RPC."""

import logging
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from auth_service.entrypoints.request_id import RequestIdLogFilter

SERVICE = "auth"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [request_id=%(request_id)s] %(message)s"
LogFormat = Literal["json", "text"]


def log_formatter(log_format: LogFormat) -> logging.Formatter:
    """JSON: timestamp, level, logger, message, request_id, service, and exception when there is one."""
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        "{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
        static_fields={"service": SERVICE},
        timestamp=True,
        reserved_attrs=list(RESERVED_ATTRS),
    )


def configure_logging(level: str, log_format: LogFormat) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(log_formatter(log_format))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # Alembic narrates every migration context at INFO; a start that changes nothing says nothing.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
