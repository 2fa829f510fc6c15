"""The auth service's Prometheus instruments, and GET /metrics on a port of its own.

Labels stay few and bounded: RPC names, status codes, event kinds and outcomes; never a username,
token, account or file."""

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


@dataclass(frozen=True)
class RpcMetrics:
    started: Counter
    handled: Counter
    latency: Histogram

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "RpcMetrics":
        rpc = ["grpc_service", "grpc_method"]
        return cls(
            started=Counter("grpc_server_started", "RPCs started", rpc, registry=registry),
            handled=Counter(
                "grpc_server_handled", "RPCs finished, by status code", [*rpc, "grpc_code"], registry=registry
            ),
            latency=Histogram(
                "grpc_server_handling_seconds",
                "Time an RPC took, whatever its status",
                rpc,
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class EventMetrics:
    applied: Counter
    pending: Gauge
    ack_pending: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "EventMetrics":
        return cls(
            applied=Counter(
                "fileuploader_events_applied",
                "File events taken from the stream, by kind (uploaded, deleted, unknown) and outcome "
                "(applied; dropped: undecodable; failed: delivered again later)",
                ["kind", "outcome"],
                registry=registry,
            ),
            pending=Gauge(
                "fileuploader_event_consumer_pending",
                "File events in the stream not yet delivered to auth (the consumer's num_pending)",
                registry=registry,
            ),
            ack_pending=Gauge(
                "fileuploader_event_consumer_ack_pending",
                "File events delivered to auth and not yet acknowledged",
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class PasswordHashMetrics:
    in_flight: Gauge
    waiting: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "PasswordHashMetrics":
        return cls(
            in_flight=Gauge(
                "fileuploader_password_hashes_in_flight",
                "argon2 hashes or checks being computed",
                registry=registry,
            ),
            waiting=Gauge(
                "fileuploader_password_hashes_waiting",
                "argon2 hashes or checks waiting for a free slot (PASSWORD_HASH_CONCURRENCY)",
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class AuthMetrics:
    rpc: RpcMetrics
    events: EventMetrics
    password_hashes: PasswordHashMetrics

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "AuthMetrics":
        return cls(
            RpcMetrics.register(registry),
            EventMetrics.register(registry),
            PasswordHashMetrics.register(registry),
        )


@contextlib.contextmanager
def metrics_served(host: str, port: int, registry: CollectorRegistry) -> Iterator[None]:
    """Serves `registry` at http://host:port/metrics from a thread for the duration; port 0 serves none."""
    if port == 0:
        yield
        return
    server, thread = start_http_server(port, addr=host, registry=registry)
    logger.info("metrics on http://%s:%d/metrics", host, port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
