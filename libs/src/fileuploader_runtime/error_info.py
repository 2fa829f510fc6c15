"""A service's errors as gRPC statuses carrying a google.rpc.ErrorInfo (the reason, a name of the
service's error reason enum, and the service's error domain), which the gateway reads; and an RPC
ended with the status of what went wrong."""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

logger = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]
Facts = Mapping[str, str] | None


class ReasonEnum(Protocol):
    """A generated protobuf enum: its value's name is the ErrorInfo reason."""

    def Name(self, number: int) -> str: ...


def rich_status(
    code: grpc.StatusCode, reason: str, domain: str, message: str, facts: Facts = None
) -> grpc.Status:
    info = error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=facts or {})
    detail = any_pb2.Any()
    detail.Pack(info)
    return rpc_status.to_status(status_pb2.Status(code=code.value[0], message=message, details=[detail]))


@dataclass(frozen=True)
class Refusal:
    """What a status ended by an error says: its code, ErrorInfo reason and metadata, and message."""

    code: grpc.StatusCode
    reason: str
    message: str
    facts: Mapping[str, str] = field(default_factory=dict)


class ErrorStatuses:
    """`table` gives each error type its code and reason; any other error of `base` (none should be
    left out: each service's tests check) and any other exception is INTERNAL, with the enum's
    unspecified reason and a message that reveals nothing. `facts_of` gives an error's ErrorInfo
    metadata."""

    def __init__(
        self,
        service: str,
        domain: str,
        reasons: ReasonEnum,
        unspecified: int,
        base: type[Exception],
        table: Mapping[type[Exception], tuple[grpc.StatusCode, int]],
        facts_of: Callable[[Exception], Facts] = lambda error: None,
    ) -> None:
        self.domain = domain
        self.reasons = {error: (code, reasons.Name(reason)) for error, (code, reason) in table.items()}
        self.unspecified = reasons.Name(unspecified)
        self.internal_message = f"internal error in the {service} service"
        self.base = base
        self._facts_of = facts_of

    def status_of(self, error: Exception) -> grpc.Status:
        code, reason = self.reasons.get(type(error), (grpc.StatusCode.INTERNAL, self.unspecified))
        return rich_status(code, reason, self.domain, str(error) or reason, self._facts_of(error))

    def internal_status(self) -> grpc.Status:
        return rich_status(grpc.StatusCode.INTERNAL, self.unspecified, self.domain, self.internal_message)

    def refusal_of(self, error: Exception, rpc: str) -> Refusal:
        """What `rpc` ended by `error` would say (as `status_of` or `internal_status`), logged as
        `aborting_on_error` logs it: for one item of a call that answers each item on its own."""
        if not isinstance(error, self.base):
            logger.error("%s failed unexpectedly", rpc, exc_info=error)
            return Refusal(grpc.StatusCode.INTERNAL, self.unspecified, self.internal_message)
        code, reason = self.reasons.get(type(error), (grpc.StatusCode.INTERNAL, self.unspecified))
        _log_refused(rpc, error, code)
        return Refusal(code, reason, str(error) or reason, self._facts_of(error) or {})

    def aborting_on_error(self, context: Context, rpc: str) -> "AbortingOnError":
        """`async with statuses.aborting_on_error(context, "Method"):` around an RPC's work."""
        return AbortingOnError(self, context, rpc)


class AbortingOnError:
    """Ends the RPC with the status of what went wrong: a domain error with its own (logged at DEBUG,
    since the access log has its code; at WARNING with its cause when a dependency is unavailable),
    anything else as INTERNAL, logged with its traceback and never sent. (A class rather than a
    generator-based context manager: it runs around every RPC.)"""

    __slots__ = ("_context", "_rpc", "_statuses")

    def __init__(self, statuses: ErrorStatuses, context: Context, rpc: str) -> None:
        self._statuses = statuses
        self._context = context
        self._rpc = rpc

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        if error is None or not isinstance(error, Exception) or isinstance(error, grpc.aio.AbortError):
            return
        statuses = self._statuses
        if isinstance(error, statuses.base):
            status = statuses.status_of(error)
            _log_refused(self._rpc, error, status.code)
        else:
            logger.error("%s failed unexpectedly", self._rpc, exc_info=error)
            status = statuses.internal_status()
        await self._context.abort(status.code, status.details, trailing_metadata=status.trailing_metadata)


def _log_refused(rpc: str, error: Exception, code: grpc.StatusCode) -> None:
    """At DEBUG, since the access log has the code; at WARNING with its cause when a dependency is
    unavailable."""
    if code is grpc.StatusCode.UNAVAILABLE:
        logger.warning("%s failed: %s (%r)", rpc, error, error.__cause__)
    else:
        logger.debug("%s failed: %s (%s)", rpc, code.name, type(error).__name__)
