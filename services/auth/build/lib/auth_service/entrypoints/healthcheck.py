"""Container HEALTHCHECK: exits 0 when this service's gRPC health check answers SERVING.

    python -m auth_service.entrypoints.healthcheck [host:port]
"""
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from auth_service.settings import Settings


def local_address() -> str:
    listen = os.environ.get("FU_AUTH_LISTEN_ADDRESS", Settings.model_fields["listen_address"].default)
    return "127.0.0.1:" + listen.rsplit(":", 1)[1]


def main() -> int:
    address = sys.argv[1] if len(sys.argv) > 1 else local_address()
    try:
        with grpc.insecure_channel(address) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
    except grpc.RpcError as error:
        print(f"unhealthy: {error.code().name}", file=sys.stderr)
        return 1
    serving = reply.status == health_pb2.HealthCheckResponse.SERVING
    print("serving" if serving else health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))
    return 0 if serving else 1


if __name__ == "__main__":
    sys.exit(main())
