"""GET /metrics on a port of its own (never a public one), served by prometheus-client from a thread."""

import contextlib
import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, start_http_server

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def metrics_served(host: str, port: int, registry: CollectorRegistry) -> Iterator[int | None]:
    """Serves `registry` at http://host:port/metrics for the duration; port 0 serves nothing.
    Yields the port."""
    if port == 0:
        yield None
        return
    server, thread = start_http_server(port, addr=host, registry=registry)
    logger.info("metrics on http://%s:%d/metrics", host, port)
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
