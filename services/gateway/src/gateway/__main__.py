"""`python -m gateway` / `fileuploader-gateway`: serve the app with uvicorn, configured from the
environment, and its metrics on a port of their own."""

import logging
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI
from prometheus_client import REGISTRY
from uvicorn.config import STARTUP_FAILURE

from fileuploader_runtime.buffer_reuse import reuse_freed_buffers
from fileuploader_runtime.metrics_endpoint import metrics_served
from fileuploader_runtime.startup import settings_or_exit
from gateway.connection_limits import MAX_LINGERING, ConnectionLimiter
from gateway.descriptors import connections_room, raise_descriptor_limit
from gateway.guarded_protocol import guarded_protocol
from gateway.logs import SERVICE, configure_logging
from gateway.main import create_app
from gateway.metrics_endpoint import shared_by_workers
from gateway.settings import Settings
from gateway.shutdown import ReadinessFirstServer, ShutdownState

logger = logging.getLogger(__name__)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """X-Forwarded-For is believed only from TRUSTED_PROXIES; with none, the TCP peer is the client
    (uvicorn would otherwise trust 127.0.0.1). HTTP is parsed by httptools (or h11, HTTP_PARSER) on
    uvloop, in a protocol that adds connection limits, a header timeout and a bound on a request's line
    and headers (guarded_protocol). uvicorn configures
    no logging of its own: its records, the access log's included, go to the root handler that
    configure_logging sets up."""
    trusted = settings.trusted_proxy_list
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": guarded_protocol(
            _connection_limiter(settings),
            settings.header_timeout_seconds,
            settings.max_header_bytes,
            settings.http_parser,
        ),
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "log_config": None,
        "log_level": settings.log_level.lower(),
        "server_header": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }


def _connection_limiter(settings: Settings) -> ConnectionLimiter:
    """Connections from trusted proxies are held to the total only (docs/operations.md, "Slow and many
    clients")."""
    max_total = max(1, connections_room(settings.max_connections + MAX_LINGERING) - MAX_LINGERING)
    if max_total < settings.max_connections:
        logger.warning(
            "the file descriptor limit leaves room for %d connections, not FU_GATEWAY_MAX_CONNECTIONS=%d",
            max_total,
            settings.max_connections,
        )
    return ConnectionLimiter(max_total, settings.max_connections_per_client, settings.trusted_proxy_list)


def app_from_environment() -> FastAPI:
    """The app factory each worker process calls when WORKERS > 1."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    reuse_freed_buffers()
    return create_app(settings, registry=REGISTRY)


def main() -> None:
    settings = settings_or_exit(SERVICE, Settings)
    configure_logging(settings.log_level, settings.log_format)
    raise_descriptor_limit(settings.max_connections + MAX_LINGERING)
    reuse_freed_buffers()
    if settings.workers > 1 and settings.rate_limit_storage_uri.get_secret_value().startswith("memory"):
        logger.warning(
            "rate limits are counted per worker process with memory:// storage; "
            "set FU_GATEWAY_RATE_LIMIT_STORAGE_URI (e.g. redis://...) to share them"
        )
    if settings.workers == 1:
        with metrics_served(settings.host, settings.metrics_port, REGISTRY):
            serve_readiness_first(settings)
        return
    # uvicorn's supervisor stops every worker at once: each drains, none reports not-ready first.
    with shared_by_workers() as registry, metrics_served(settings.host, settings.metrics_port, registry):
        uvicorn.run(
            "gateway.__main__:app_from_environment",
            factory=True,
            workers=settings.workers,
            **uvicorn_options(settings),
        )


def serve_readiness_first(settings: Settings) -> None:
    state = ShutdownState()
    config = uvicorn.Config(create_app(settings, state, REGISTRY), **uvicorn_options(settings))
    server = ReadinessFirstServer(config, state, settings.shutdown_delay_seconds)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
