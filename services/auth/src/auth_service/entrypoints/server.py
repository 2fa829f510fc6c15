"""The grpc.aio server: AuthService and health, the event consumer, and orderly shutdown."""

import asyncio
import logging
import signal

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from auth_service.backoff import Backoff
from auth_service.bootstrap import Application, bootstrap
from auth_service.entrypoints.periodic import run_periodically
from auth_service.entrypoints.servicer import AuthServicer
from auth_service.settings import Settings
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc

logger = logging.getLogger(__name__)

AUTH_SERVICE_NAME = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name
HEALTH_CHECKED_SERVICES = ("", AUTH_SERVICE_NAME)


class AuthServer:
    """Serves at once; reports SERVING once the database is ready; NOT_SERVING while stopping."""

    def __init__(self, settings: Settings, app: Application) -> None:
        self.app = app
        self.ready = asyncio.Event()
        self._settings = settings
        self._health = health.aio.HealthServicer()
        self._server = grpc.aio.server()
        self._background: list[asyncio.Task[None]] = []
        self.port = 0

    @property
    def address(self) -> str:
        host = self._settings.listen_address.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def start(self) -> None:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(self.app.auth), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        await self._report(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.port = self._server.add_insecure_port(self._settings.listen_address)
        await self._server.start()
        logger.info("auth service listening on %s", self.address)
        self._background.append(asyncio.create_task(self._become_ready(), name="auth-readiness"))

    async def stop(self) -> None:
        """NOT_SERVING while still serving (and applying events) for the shutdown delay, then refuse new
        RPCs and let those in flight finish within the grace period."""
        await self._health.enter_graceful_shutdown()
        await asyncio.sleep(self._settings.shutdown_delay_seconds)
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.app.consumer.stop()
        await self._server.stop(grace=self._settings.shutdown_grace_seconds)
        await self.app.close()
        logger.info("auth service stopped")

    async def _become_ready(self) -> None:
        await self._prepare_database()
        await self._report(health_pb2.HealthCheckResponse.SERVING)
        self.ready.set()
        self.app.consumer.start()
        purge = run_periodically(
            self.app.auth.purge_expired_tokens,
            self._settings.token_purge_interval_seconds,
            "purging expired access tokens",
        )
        self._background.append(asyncio.create_task(purge, name="auth-token-purge"))

    async def _prepare_database(self) -> None:
        backoff = Backoff()
        while True:
            try:
                await self.app.create_schema()
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
    server = AuthServer(settings, bootstrap(settings))
    await server.start()
    await stop_requested.wait()
    logger.info(
        "shutting down: not serving, draining in %.1f s (grace %.1f s)",
        settings.shutdown_delay_seconds,
        settings.shutdown_grace_seconds,
    )
    await server.stop()
