"""What every gRPC client of the gateway shares: channels, call metadata, and failures turned into
gateway errors by the google.rpc.ErrorInfo reason they carry."""

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fileuploader_runtime.request_ids import METADATA_KEY, current_request_id
from gateway.errors import GatewayError, ServiceUnavailable, UpstreamFailure

logger = logging.getLogger(__name__)

ErrorFactory = Callable[[], GatewayError]

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
# Calls go to every address the name resolves to in turn: `dns:///auth:50051` naming a headless
# Kubernetes Service spreads them over all its pods (the servers' max connection age makes the
# channel resolve again, so it follows pods as they come and go).
ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
CHANNEL_OPTIONS: tuple[tuple[str, int | str], ...] = (
    ("grpc.service_config", ROUND_ROBIN),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
)
_UNREACHABLE = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}
)
# What grpc.aio puts in place of a call's status when a message could not be sent because the stream
# had ended: it overwrites the status that ended it (say, UNAVAILABLE from a keepalive that found the
# peer frozen; grpc/grpc#36066, still so in grpcio 1.85). The service never answered this.
_STATUS_LOST_BY_THE_CLIENT_LIBRARY = (grpc.StatusCode.INTERNAL, "Internal error from Core")
_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


@dataclass(frozen=True)
class Keepalive:
    """An HTTP/2 ping every `interval_seconds`, calls or not; one unanswered for `timeout_seconds` closes
    the connection and fails its calls with UNAVAILABLE. A frozen peer's kernel still takes the bytes
    of a call, so an unanswered ping is the only sign of it before the call's deadline."""

    interval_seconds: float
    timeout_seconds: float

    def channel_options(self) -> tuple[tuple[str, int], ...]:
        timeout_ms = round(self.timeout_seconds * 1000)
        return (
            ("grpc.keepalive_time_ms", round(self.interval_seconds * 1000)),
            ("grpc.keepalive_timeout_ms", timeout_ms),
            # What grpc core actually waits for a ping's answer (a minute by default), keepalive or not.
            ("grpc.http2.ping_timeout_ms", timeout_ms),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),  # a download sends the peer no data: ping all the same
        )


def open_channel(address: str, keepalive: Keepalive) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS + keepalive.channel_options())


def call_metadata(token: str | None = None) -> tuple[tuple[str, str], ...]:
    """The request id, and the gateway's secret token for the callee (FU_GATEWAY_AUTH_RPC_TOKEN or
    FU_GATEWAY_FILES_RPC_TOKEN) by which it knows the caller is the gateway (without it, it refuses
    the call)."""
    return metadata_with(current_request_id(), token)


def metadata_with(request_id: str | None, token: str | None) -> tuple[tuple[str, str], ...]:
    """call_metadata for a call made on behalf of the request `request_id` (None: of no one request)."""
    entries = ((METADATA_KEY, request_id),) if request_id else ()
    return (*entries, ("authorization", f"Bearer {token}")) if token else entries


def error_info(error: grpc.aio.AioRpcError, domain: str) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo detail of `domain` in the call's status, if there is one."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]  # it reads what AioRpcError has too
    except ValueError:
        return None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == domain:
                return info
    return None


def error_reason(error: grpc.aio.AioRpcError, domain: str) -> str | None:
    info = error_info(error, domain)
    return info.reason if info is not None else None


def translate(
    error: grpc.aio.AioRpcError, service: str, domain: str, reasons: Mapping[str, ErrorFactory]
) -> GatewayError:
    if (
        error.code() not in _UNREACHABLE
        and (error.code(), error.details()) == _STATUS_LOST_BY_THE_CLIENT_LIBRARY
    ):
        logger.warning(
            "%s service unreachable: the stream ended while sending to it (%s)",
            service,
            error.debug_error_string(),
        )
        return ServiceUnavailable(service)
    info = error_info(error, domain)
    if info is None:
        return translate_status(error.code(), error.details() or "", None, {}, service, reasons)
    return translate_status(error.code(), error.details() or "", info.reason, info.metadata, service, reasons)


def translate_status(
    code: grpc.StatusCode,
    message: str,
    reason: str | None,
    facts: Mapping[str, str],
    service: str,
    reasons: Mapping[str, ErrorFactory],
) -> GatewayError:
    """The gateway error of a status with this code, message and ErrorInfo (reason and metadata; None:
    the status has no ErrorInfo of the service's domain)."""
    if code in _UNREACHABLE:
        logger.warning("%s service unreachable: %s %s", service, code.name, message)
        return ServiceUnavailable(service)
    factory = reasons.get(reason) if reason else None
    if factory is None:
        logger.error("%s service failed: %s %s (reason %s)", service, code.name, message, reason)
        return UpstreamFailure(service)
    return factory().with_details(facts)


def translate_refusal(
    code: int,
    message: str,
    reason: str,
    facts: Mapping[str, str],
    service: str,
    reasons: Mapping[str, ErrorFactory],
) -> GatewayError:
    """translate_status of one item's refusal in a call that answers each item on its own (its status
    code as a number)."""
    return translate_status(
        _STATUS_CODES.get(code, grpc.StatusCode.UNKNOWN), message, reason, facts, service, reasons
    )


@contextmanager
def translated_errors(service: str, domain: str, reasons: Mapping[str, ErrorFactory]) -> Iterator[None]:
    try:
        yield
    except grpc.aio.AioRpcError as error:
        raise translate(error, service, domain, reasons) from error
