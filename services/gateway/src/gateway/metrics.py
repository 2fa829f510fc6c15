"""The gateway's Prometheus instruments, registered on the registry the caller gives.

Labels stay few and bounded: a route is its template ("/file/{file_url}"), never the raw path."""

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def _in_flight_gauge(name: str, documentation: str, registry: CollectorRegistry) -> Gauge:
    # With several uvicorn workers each keeps its own value; the endpoint adds up those of live workers.
    return Gauge(name, documentation, registry=registry, multiprocess_mode="livesum")


@dataclass(frozen=True)
class CacheMetrics:
    """The file cache's (gateway/file_cache.py): hits by what was held (bytes, or metadata alone)."""

    hits: Counter
    misses: Counter
    evictions: Counter
    entries: Gauge
    held_bytes: Gauge

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "CacheMetrics":
        return cls(
            hits=Counter(
                "fileuploader_gateway_cache_hits",
                "Downloads answered from the file cache, by what "
                "it held: bytes (no RPC) or metadata (one ReadFile of the range)",
                ["held"],
                registry=registry,
            ),
            misses=Counter(
                "fileuploader_gateway_cache_misses",
                "Downloads of a file the cache did not hold",
                registry=registry,
            ),
            evictions=Counter(
                "fileuploader_gateway_cache_evictions",
                "Files the cache dropped to stay within its bounds",
                registry=registry,
            ),
            entries=_in_flight_gauge("fileuploader_gateway_cache_entries", "Files the cache holds", registry),
            held_bytes=_in_flight_gauge(
                "fileuploader_gateway_cache_bytes", "Bytes of files the cache holds", registry
            ),
        )


@dataclass(frozen=True)
class GatewayMetrics:
    requests: Counter
    latency: Histogram
    request_bytes: Counter
    response_bytes: Counter
    uploads_in_flight: Gauge
    downloads_in_flight: Gauge
    rate_limited: Counter
    cache: CacheMetrics

    @classmethod
    def register(cls, registry: CollectorRegistry) -> "GatewayMetrics":
        route = ["method", "route"]
        return cls(
            requests=Counter(
                "http_requests",
                "HTTP requests answered, by route template, method and status",
                [*route, "status"],
                registry=registry,
            ),
            latency=Histogram(
                "http_request_duration_seconds",
                "Time from a request's arrival to the end of its answer (transfers included)",
                route,
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            request_bytes=Counter(
                "http_request_body_bytes", "Bytes of request bodies received", route, registry=registry
            ),
            response_bytes=Counter(
                "http_response_body_bytes", "Bytes of response bodies sent", route, registry=registry
            ),
            uploads_in_flight=_in_flight_gauge(
                "fileuploader_uploads_in_flight", "Uploads being received", registry
            ),
            downloads_in_flight=_in_flight_gauge(
                "fileuploader_downloads_in_flight", "Downloads being sent", registry
            ),
            rate_limited=Counter(
                "fileuploader_rate_limited_requests",
                "Requests refused with 429, by rate-limit bucket (upload, auth)",
                ["bucket"],
                registry=registry,
            ),
            cache=CacheMetrics.register(registry),
        )

    async def counted_download(
        self, chunks: AsyncGenerator[bytes | memoryview, None]
    ) -> AsyncGenerator[bytes | memoryview, None]:
        """The chunks of one download, counted in flight while they are being sent."""
        with self.downloads_in_flight.track_inprogress():
            async with aclosing(chunks):
                async for chunk in chunks:
                    yield chunk
