"""The files service's Prometheus instruments (the RPC ones and /metrics come from fileuploader_runtime).

Labels stay few and bounded: RPC names and status codes; never a file URL, name or key."""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from fileuploader_runtime.rpc_metrics import RpcMetrics


@dataclass(frozen=True)
class TransferMetrics:
    stored_bytes: Counter
    served_bytes: Counter
    uploads_in_flight: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "TransferMetrics":
        return cls(
            stored_bytes=Counter(
                "fileuploader_stored_bytes",
                "Bytes of the files stored (uploads that succeeded)",
                registry=registry,
            ),
            served_bytes=Counter(
                "fileuploader_served_bytes", "Bytes of files sent to readers", registry=registry
            ),
            uploads_in_flight=Gauge(
                "fileuploader_uploads_in_flight", "Uploads being received", registry=registry
            ),
        )


@dataclass(frozen=True)
class EventMetrics:
    published: Counter
    publish_failures: Counter
    outbox_pending: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "EventMetrics":
        return cls(
            published=Counter(
                "fileuploader_events_published", "File events JetStream acknowledged", registry=registry
            ),
            publish_failures=Counter(
                "fileuploader_event_publish_failures",
                "File event publishes that failed (the event stays in the outbox)",
                registry=registry,
            ),
            outbox_pending=Gauge(
                "fileuploader_outbox_pending_events",
                "File events in the outbox waiting to be published",
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class PurgeMetrics:
    purged: Counter
    bytes_freed: Counter
    lag: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "PurgeMetrics":
        metrics = cls(
            purged=Counter(
                "fileuploader_files_purged",
                "Files the purge deleted, by reason (expired, download_limit)",
                ["reason"],
                registry=registry,
            ),
            bytes_freed=Counter(
                "fileuploader_purge_freed_bytes", "Bytes of the files the purge deleted", registry=registry
            ),
            lag=Gauge(
                "fileuploader_purge_lag_seconds",
                "How long the file purgeable the longest has waited for the purge (0: none waits)",
                registry=registry,
            ),
        )
        for reason in ("expired", "download_limit"):
            metrics.purged.labels(reason)
        return metrics


@dataclass(frozen=True)
class FilesMetrics:
    rpc: RpcMetrics
    transfers: TransferMetrics
    events: EventMetrics
    purge: PurgeMetrics

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "FilesMetrics":
        return cls(
            RpcMetrics.register(registry),
            TransferMetrics.register(registry),
            EventMetrics.register(registry),
            PurgeMetrics.register(registry),
        )
