"""The request id every log record carries: the caller's when it is acceptable, else a new one.

One rule for every service: the gateway takes it from the X-Request-ID header and sends it on as
x-request-id gRPC metadata; auth and files take it from that metadata."""

import logging
import re
import uuid
from collections.abc import Iterable
from contextvars import ContextVar, Token

HTTP_HEADER = "X-Request-ID"
METADATA_KEY = "x-request-id"
OUTSIDE_A_REQUEST = "-"
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def accepted_or_new(sent: object) -> str:
    """`sent` when it is a string of 1 to 128 letters, digits and `._:-`; else a new random id."""
    if isinstance(sent, str) and _ACCEPTABLE.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def bind_request_id(request_id: str) -> Token[str | None]:
    """Binds the id to the running task (and the tasks it starts); the token undoes it."""
    return _current.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _current.reset(token)


def bind_from_metadata(metadata: Iterable[tuple[str, object]] | None) -> None:
    """Binds the id sent in the RPC's metadata, or a new one; grpc.aio runs each RPC in its own task,
    so nothing needs undoing."""
    sent = None
    for key, value in metadata or ():
        if key == METADATA_KEY:
            sent = value
            break
    _current.set(accepted_or_new(sent))


def current_request_id() -> str | None:
    return _current.get()


class RequestIdLogFilter(logging.Filter):
    """Gives every log record a `request_id` attribute ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or OUTSIDE_A_REQUEST
        return True
