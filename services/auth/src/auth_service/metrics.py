"""The auth service's Prometheus instruments (the RPC ones and /metrics come from fileuploader_runtime).

Labels stay few and bounded: RPC names, status codes, event kinds and outcomes; never a username,
token, account or file."""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from fileuploader_runtime.rpc_metrics import RpcMetrics


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
