"""`python -m gateway` / `fileuploader-gateway`: serve the app with uvicorn, configured from the
environment."""
import logging
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE

from gateway.main import create_app
from gateway.request_id import RequestIdLogFilter
from gateway.settings import Settings
from gateway.shutdown import ReadinessFirstServer, ShutdownState

logger = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [request_id=%(request_id)s] %(message)s"


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """X-Forwarded-For is believed only from TRUSTED_PROXIES; with none, the TCP peer is the client
    (uvicorn would otherwise trust 127.0.0.1). HTTP is parsed by h11, the parser of uvicorn's that
    bounds a request's line and headers (uvicorn's httptools parser buffers any amount of them)."""
    trusted = settings.trusted_proxy_list
    return {
        "host": settings.host,
        "port": settings.port,
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "log_config": None,
        "log_level": settings.log_level.lower(),
        "server_header": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }


def app_from_environment() -> FastAPI:
    """The app factory each worker process calls when WORKERS > 1."""
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level)
    if settings.workers > 1 and settings.rate_limit_storage_uri.get_secret_value().startswith("memory"):
        logger.warning("rate limits are counted per worker process with memory:// storage; "
                       "set FU_GATEWAY_RATE_LIMIT_STORAGE_URI (e.g. redis://...) to share them")
    if settings.workers == 1:
        serve_readiness_first(settings)
    else:
        # uvicorn's supervisor stops every worker at once: each drains, none reports not-ready first.
        uvicorn.run("gateway.__main__:app_from_environment", factory=True, workers=settings.workers,
                    **uvicorn_options(settings))


def serve_readiness_first(settings: Settings) -> None:
    state = ShutdownState()
    config = uvicorn.Config(create_app(settings, state), **uvicorn_options(settings))
    server = ReadinessFirstServer(config, state, settings.shutdown_delay_seconds)
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


if __name__ == "__main__":
    main()
