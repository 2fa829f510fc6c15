"""The grpc.aio server: AuthService and health, the event consumer, metrics, and orderly shutdown."""

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Awaitable, Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from auth_service.backoff import Backoff
from auth_service.bootstrap import Application, bootstrap
from auth_service.entrypoints.file_event_consumer import NatsFileEventConsumer
from auth_service.entrypoints.servicer import AuthServicer
from auth_service.metrics import EventMetrics
from auth_service.settings import Settings
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader_runtime.caller_gate import CallerGate
from fileuploader_runtime.grpc_observer import RpcObserver
from fileuploader_runtime.metrics_endpoint import metrics_served
from fileuploader_runtime.periodic import run_periodically
from fileuploader_runtime.task_stopping import cancel_and_wait

logger = logging.getLogger(__name__)

AUTH_SERVICE_NAME = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name
HEALTH_CHECKED_SERVICES = ("", AUTH_SERVICE_NAME)
# SERVING from the start until shutdown begins, whatever the database: the process answers (liveness
# probe); "" and AuthService report readiness.
LIVENESS = "liveness"
# Clients ping (the gateway every FU_GATEWAY_RPC_KEEPALIVE_SECONDS, 2 s at least) to notice a frozen
# server; by default gRPC would answer a ping more frequent than every 5 minutes with GOAWAY too_many_pings.
PINGS_PERMITTED: list[tuple[str, int]] = [
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 1000),
]


def caller_gate(settings: Settings) -> CallerGate:
    """Only the gateway calls auth, and it may call every AuthService method. Refuses to serve in
    production without the gateway's token (the reconcile command needs none)."""
    token = settings.gateway_rpc_token
    if token is None and settings.environment == "production":
        raise ValueError("FU_AUTH_GATEWAY_RPC_TOKEN must be set when FU_AUTH_ENVIRONMENT=production")
    if token is None:
        logger.warning("FU_AUTH_GATEWAY_RPC_TOKEN is not set: every AuthService call is refused")
    methods = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].methods
    return CallerGate(
        {"gateway": token.get_secret_value() if token else None},
        {"gateway": [f"/{AUTH_SERVICE_NAME}/{method.name}" for method in methods]},
    )


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """Connections are closed (GOAWAY, then the grace for calls in flight) after MAX_CONNECTION_AGE,
    so clients resolve the service's name again and spread their calls over the pods there are now."""
    if not settings.max_connection_age_seconds:
        return PINGS_PERMITTED
    return [
        *PINGS_PERMITTED,
        ("grpc.max_connection_age_ms", round(settings.max_connection_age_seconds * 1000)),
        ("grpc.max_connection_age_grace_ms", round(settings.max_connection_age_grace_seconds * 1000)),
    ]


async def record_consumer_lag(consumer: NatsFileEventConsumer, metrics: EventMetrics) -> None:
    lag = await consumer.lag()
    if lag is not None:
        metrics.pending.set(lag.pending)
        metrics.ack_pending.set(lag.ack_pending)


class AuthServer:
    """Serves at once; reports SERVING once the database is ready; NOT_SERVING while stopping."""

    def __init__(self, settings: Settings, app: Application) -> None:
        self.app = app
        self.ready = asyncio.Event()
        self._settings = settings
        self._health = health.aio.HealthServicer()
        self._server = grpc.aio.server(
            interceptors=[RpcObserver(app.metrics.rpc), caller_gate(settings)],
            options=server_options(settings),
        )
        self._background: list[asyncio.Task[None]] = []
        self._metrics_endpoint = contextlib.ExitStack()
        self.port = 0

    @property
    def address(self) -> str:
        host = self._settings.listen_address.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def start(self) -> None:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(self.app.auth), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        await self._health.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
        await self._report(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.port = self._server.add_insecure_port(self._settings.listen_address)
        self._metrics_endpoint.enter_context(
            metrics_served(self._settings.listen_host, self._settings.metrics_port, self.app.registry)
        )
        await self._server.start()
        logger.info("auth service listening on %s", self.address)
        self._background.append(asyncio.create_task(self._become_ready(), name="auth-readiness"))

    async def stop(self) -> None:
        """NOT_SERVING while still serving (and applying events) for the shutdown delay, then refuse new
        RPCs and let those in flight finish within the grace period."""
        await self._health.enter_graceful_shutdown()
        await asyncio.sleep(self._settings.shutdown_delay_seconds)
        await cancel_and_wait(self._background)
        await self.app.consumer.stop()
        await self._server.stop(grace=self._settings.shutdown_grace_seconds)
        self._metrics_endpoint.close()
        await self.app.close()
        logger.info("auth service stopped")

    async def _become_ready(self) -> None:
        await self._prepare_database()
        await self._report(health_pb2.HealthCheckResponse.SERVING)
        self.ready.set()
        self.app.consumer.start()
        self._repeat(
            self.app.auth.purge_expired_tokens,
            self._settings.token_purge_interval_seconds,
            "purging expired access tokens",
        )
        self._repeat(
            functools.partial(record_consumer_lag, self.app.consumer, self.app.metrics.events),
            self._settings.metrics_refresh_seconds,
            "reading the file event consumer's lag",
        )

    def _repeat(self, action: Callable[[], Awaitable[object]], interval: float, description: str) -> None:
        task = asyncio.create_task(run_periodically(action, interval, description), name=description)
        self._background.append(task)

    async def _prepare_database(self) -> None:
        backoff = Backoff()
        while True:
            try:
                await self.app.upgrade_schema()
                return
            except Exception as error:
                delay = backoff.next_delay()
                logger.warning("database not ready (%r), retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)

    async def _report(self, status: health_pb2.HealthCheckResponse.ServingStatus) -> None:
        for service in HEALTH_CHECKED_SERVICES:
            await self._health.set(service, status)


async def serve(settings: Settings) -> None:
    """Runs the auth service until SIGTERM or SIGINT."""
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop_requested.set)
    server = AuthServer(settings, bootstrap(settings, REGISTRY))
    await server.start()
    await stop_requested.wait()
    logger.info(
        "shutting down: not serving, draining in %.1f s (grace %.1f s)",
        settings.shutdown_delay_seconds,
        settings.shutdown_grace_seconds,
    )
    await server.stop()
