"""grpc.health.v1 checks of the services behind the gateway."""

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.clients.rpc import call_metadata

OK = "ok"
NOT_SERVING = "not serving"
UNREACHABLE = "unreachable"


class HealthClient:
    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float = 1.0) -> None:
        self._stub = health_pb2_grpc.HealthStub(channel)
        self._timeout = timeout_seconds

    async def check(self) -> str:
        """ "ok", "not serving" or "unreachable"."""
        try:
            reply = await self._stub.Check(
                health_pb2.HealthCheckRequest(service=""), timeout=self._timeout, metadata=call_metadata()
            )
        except grpc.aio.AioRpcError:
            return UNREACHABLE
        return OK if reply.status == health_pb2.HealthCheckResponse.SERVING else NOT_SERVING
