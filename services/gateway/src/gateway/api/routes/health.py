"""Liveness (the process answers) and readiness (auth and files answer their health checks and the
gateway is not stopping)."""

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.api.deps import HealthClientsDep, ShutdownDep
from gateway.api.schemas import HealthBody, NotReadyBody, ReadyBody
from gateway.clients.health import OK

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthBody, summary="The process is alive (no upstream calls)")
async def healthz() -> HealthBody:
    return HealthBody()


@router.get(
    "/readyz",
    response_model=ReadyBody,
    responses={503: {"model": NotReadyBody}},
    summary="auth and files answer their gRPC health checks, and the gateway is not stopping",
)
async def readyz(health_clients: HealthClientsDep, shutdown: ShutdownDep) -> ReadyBody | JSONResponse:
    if shutdown.requested:
        return JSONResponse(NotReadyBody(message="shutting down", checks={}).model_dump(), status_code=503)
    results = await asyncio.gather(*(client.check() for client in health_clients.values()))
    checks = dict(zip(health_clients, results, strict=True))
    if all(result == OK for result in results):
        return ReadyBody(checks=checks)
    return JSONResponse(NotReadyBody(checks=checks).model_dump(), status_code=503)
