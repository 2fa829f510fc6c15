"""Annotated dependencies of the routes: settings, clients, client address, rate limits, tokens.
Each is `async def`: FastAPI runs a plain `def` dependency in its thread pool, a hop per request."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import ClientDisconnect

from gateway.clients.auth import AuthClient
from gateway.clients.files import FilesClient
from gateway.clients.health import HealthClient
from gateway.errors import (
    AuthFailure,
    AuthorizationError,
    BodyTooLarge,
    ClientClosedRequest,
    TooManyRequests,
)
from gateway.file_cache import FileCache
from gateway.metrics import GatewayMetrics
from gateway.settings import Settings
from gateway.shutdown import ShutdownState

UPLOAD_BUCKET = "upload"
AUTH_BUCKET = "auth"
MAX_JSON_BODY_BYTES = 64 * 1024


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _auth_client(request: Request) -> AuthClient:
    return request.app.state.auth_client


async def _files_client(request: Request) -> FilesClient:
    return request.app.state.files_client


async def _file_cache(request: Request) -> FileCache:
    return request.app.state.file_cache


async def _health_clients(request: Request) -> dict[str, HealthClient]:
    return request.app.state.health_clients


async def _shutdown(request: Request) -> ShutdownState:
    return request.app.state.shutdown


async def _metrics(request: Request) -> GatewayMetrics:
    return request.app.state.metrics


def client_address(request: Request) -> str:
    """The TCP peer, or the X-Forwarded-For client when uvicorn trusts the peer as a proxy."""
    return request.client.host if request.client else "unknown"


def public_base_url(request: Request) -> str:
    """PUBLIC_URL when set, else the request's own base URL; `file_url_full` is this + "/file/" + file_url."""
    configured = request.app.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


async def _public_base_url(request: Request) -> str:
    return public_base_url(request)


async def _small_body(request: Request) -> bytes:
    """The whole body of a JSON request, refused past MAX_JSON_BODY_BYTES."""
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_JSON_BODY_BYTES:
                raise BodyTooLarge()
    except ClientDisconnect as error:
        raise ClientClosedRequest() from error
    return bytes(body)


SettingsDep = Annotated[Settings, Depends(_settings)]
AuthClientDep = Annotated[AuthClient, Depends(_auth_client)]
FilesClientDep = Annotated[FilesClient, Depends(_files_client)]
FileCacheDep = Annotated[FileCache, Depends(_file_cache)]
HealthClientsDep = Annotated[dict[str, HealthClient], Depends(_health_clients)]
ShutdownDep = Annotated[ShutdownState, Depends(_shutdown)]
MetricsDep = Annotated[GatewayMetrics, Depends(_metrics)]
PublicBaseUrl = Annotated[str, Depends(_public_base_url)]
SmallBody = Annotated[bytes, Depends(_small_body)]


async def count_request(request: Request, bucket: str) -> None:
    """Counts the request against its client's limit in `bucket`; TooManyRequests past it."""
    state = request.app.state
    retry_after = await state.rate_limiter.hit(bucket, client_address(request))
    if retry_after is not None:
        state.metrics.rate_limited.labels(bucket).inc()
        raise TooManyRequests(retry_after)


def _rate_limit(bucket: str) -> Callable[..., Awaitable[None]]:
    async def counted(request: Request) -> None:
        await count_request(request, bucket)

    return counted


AuthRateLimit = Depends(_rate_limit(AUTH_BUCKET))

# Documents the bearer scheme in OpenAPI; the header itself is checked by bearer_token.
_bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


async def _authorization_header(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)]
) -> str | None:
    return request.headers.get("authorization")


def bearer_token(header: str | None) -> str:
    """The token of an "Authorization: Bearer <token>" header; raises the 1.1 errors -1 and -2."""
    if header is None:
        raise AuthorizationError(AuthFailure.NO_HEADER)
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise AuthorizationError(AuthFailure.BAD_HEADER)
    return parts[1]


async def _required_token(header: Annotated[str | None, Depends(_authorization_header)]) -> str:
    return bearer_token(header)


AuthorizationHeader = Annotated[str | None, Depends(_authorization_header)]
AccessToken = Annotated[str, Depends(_required_token)]
