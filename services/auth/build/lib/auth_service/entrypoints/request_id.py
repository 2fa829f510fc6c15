"""The caller's request id (x-request-id metadata), carried by every log record of the RPC."""

import logging
import re
from contextvars import ContextVar
from typing import Any
from uuid import uuid4

import grpc

METADATA_KEY = "x-request-id"
_ACCEPTABLE = re.compile(r"[\w.:-]{1,128}")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def bind_request_id(context: grpc.aio.ServicerContext[Any, Any]) -> None:
    """Takes the caller's id when it is sane, or makes one; grpc.aio runs each RPC in its own task."""
    sent = dict(context.invocation_metadata() or ()).get(METADATA_KEY)
    _current.set(sent if isinstance(sent, str) and _ACCEPTABLE.fullmatch(sent) else uuid4().hex)


def current_request_id() -> str:
    return _current.get()


class RequestIdLogFilter(logging.Filter):
    """Gives every log record a `request_id` attribute ("-" outside an RPC)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
