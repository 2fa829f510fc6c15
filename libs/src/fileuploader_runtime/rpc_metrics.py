"""The instruments of every gRPC server (the names the dashboards and tests use)."""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


@dataclass(frozen=True)
class RpcMetrics:
    """Labelled by RPC only (a bounded set); the service is the scrape target's."""

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
