"""A container HEALTHCHECK for a gRPC service: exits 0 when its health check answers SERVING.
Each service's `python -m <service>.entrypoints.healthcheck [host:port]` calls `main`."""

import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

TIMEOUT_SECONDS = 3


def local_address(listen_address_variable: str, default_listen_address: str) -> str:
    """127.0.0.1 at the port the service listens on (its listen address variable, else its default)."""
    listen = os.environ.get(listen_address_variable, default_listen_address)
    return "127.0.0.1:" + listen.rsplit(":", 1)[1]


def main(default_address: str) -> int:
    """Checks the address given as the first argument, else `default_address`; prints the outcome."""
    address = sys.argv[1] if len(sys.argv) > 1 else default_address
    try:
        with grpc.insecure_channel(address) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=TIMEOUT_SECONDS
            )
    except grpc.RpcError as error:
        print(f"unhealthy: {error.code().name}", file=sys.stderr)
        return 1
    serving = reply.status == health_pb2.HealthCheckResponse.SERVING
    print("serving" if serving else health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))
    return 0 if serving else 1
