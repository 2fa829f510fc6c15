"""The FastAPI application factory; its lifespan opens (and closes) the gRPC channels and the rate limiter."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from gateway.api.deps import AUTH_BUCKET, UPLOAD_BUCKET
from gateway.api.docs_pages import install_docs_pages
from gateway.api.errors import install_error_handlers
from gateway.api.routes import account_deletion, accounts, api_tokens, files, health, password, transfer, web
from gateway.body_idle import BodyIdleTimeoutMiddleware
from gateway.clients.auth import AuthClient
from gateway.clients.deletes import DeleteListener
from gateway.clients.files import FilesClient
from gateway.clients.health import HealthClient
from gateway.clients.rpc import Keepalive, open_channel
from gateway.file_cache import FileCache
from gateway.http_metrics import HttpMetricsMiddleware
from gateway.metrics import GatewayMetrics
from gateway.ratelimit import RateLimiter
from gateway.request_id import RequestIdMiddleware
from gateway.security_headers import SecurityHeadersMiddleware
from gateway.settings import Settings
from gateway.shutdown import CutOffAtShutdownMiddleware, ShutdownState

READINESS_TIMEOUT_SECONDS = 1.0


def create_app(
    settings: Settings, shutdown: ShutdownState | None = None, registry: CollectorRegistry | None = None
) -> FastAPI:
    """`shutdown` is set by the server running the app once it is asked to stop; the metrics go to
    `registry` (a registry of the app's own when None), which the app itself never serves."""
    app = FastAPI(
        title="File Uploader",
        version="1.0.0",
        summary="Upload a file, get a short link and a delete key; accounts list their files.",
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.shutdown = shutdown or ShutdownState()
    app.state.metrics_registry = registry if registry is not None else CollectorRegistry()
    app.state.metrics = GatewayMetrics.register(app.state.metrics_registry)
    app.state.file_cache = FileCache(
        settings.cache_max_entries,
        settings.cache_max_bytes,
        settings.cache_max_file_bytes,
        settings.cache_ttl_seconds,
        app.state.metrics.cache,
    )
    routers = [
        module.router
        for module in (files, accounts, account_deletion, api_tokens, password, transfer, health, web)
    ]
    install_error_handlers(app, routers)
    app.add_middleware(BodyIdleTimeoutMiddleware, idle_seconds=settings.body_idle_timeout_seconds)
    app.add_middleware(CutOffAtShutdownMiddleware)
    app.add_middleware(HttpMetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    for router in routers:
        app.include_router(router)
    install_docs_pages(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    keepalive = Keepalive(settings.rpc_keepalive_seconds, settings.rpc_keepalive_timeout_seconds)
    auth_channel = open_channel(settings.auth_address, keepalive)
    files_channel = open_channel(settings.files_address, keepalive)
    app.state.auth_client = AuthClient(
        auth_channel, settings.rpc_timeout_seconds, _value(settings.auth_rpc_token)
    )
    app.state.files_client = FilesClient(
        files_channel,
        settings.rpc_timeout_seconds,
        settings.transfer_timeout_seconds,
        settings.stream_step_timeout_seconds,
        _value(settings.files_rpc_token),
    )
    app.state.health_clients = {
        "auth": HealthClient(auth_channel, READINESS_TIMEOUT_SECONDS),
        "files": HealthClient(files_channel, READINESS_TIMEOUT_SECONDS),
    }
    rate_limiter = RateLimiter(
        settings.rate_limit_storage_uri.get_secret_value(),
        {UPLOAD_BUCKET: settings.upload_rate_limit, AUTH_BUCKET: settings.auth_rate_limit},
    )
    deletes = _delete_listener(settings, app.state.file_cache)
    try:
        async with rate_limiter:
            app.state.rate_limiter = rate_limiter
            if deletes is not None:
                deletes.start()
            yield
    finally:
        if deletes is not None:
            await deletes.close()
        await asyncio.gather(auth_channel.close(), files_channel.close())


def _delete_listener(settings: Settings, cache: FileCache) -> DeleteListener | None:
    """Without NATS the gateway cannot hear deletes made through another gateway: no cache then."""
    if settings.nats_url is None or not cache.enabled:
        return None
    return DeleteListener(
        settings.nats_url.get_secret_value(),
        settings.events_subject_prefix,
        settings.nats_credentials,
        deleted=cache.forget,
        listening=cache.start_listening,
        deaf=cache.stop_listening,
    )


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret else None
