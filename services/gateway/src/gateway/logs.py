"""Log lines as text or as one JSON object each, every one carrying the request id it was logged under."""

import logging
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from gateway.log_redaction import SecretRedactingFilter
from gateway.request_id import RequestIdLogFilter

SERVICE = "gateway"
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
        # uvicorn repeats some messages with terminal colours in an extra attribute
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def configure_logging(level: str, log_format: LogFormat) -> None:
    """Every record, uvicorn's (access log included) and the app's, goes through one handler on the root,
    secrets in URLs redacted."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.addFilter(SecretRedactingFilter())
    handler.setFormatter(log_formatter(log_format))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
