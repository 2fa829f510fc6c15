"""The caller's request id (x-request-id metadata), carried by every log record of the RPC."""

import logging
import re
from contextvars import ContextVar

import grpc

METADATA_KEY = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def bind_request_id(context: grpc.aio.ServicerContext) -> None:
    """Each RPC runs in its own task, so the value stays with this RPC."""
    for key, value in context.invocation_metadata() or ():
        if key == METADATA_KEY and isinstance(value, str) and _SANE.fullmatch(value):
            _current.set(value)
            return


def current_request_id() -> str:
    return _current.get()


class RequestIdLogFilter(logging.Filter):
    """Gives every log record a `request_id` attribute ("-" outside an RPC)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
