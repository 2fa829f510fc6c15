"""The grpc.aio server: FilesService plus grpc.health.v1, with a graceful shutdown on SIGTERM/SIGINT."""

import asyncio
import logging
import signal
from dataclasses import dataclass

import grpc
from fileuploader.files.v1 import files_pb2, files_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio

from files_service.bootstrap import Application, bootstrap
from files_service.entrypoints.servicer import FilesServicer
from files_service.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_NAME = files_pb2.DESCRIPTOR.services_by_name["FilesService"].full_name
HEALTH_CHECKED_NAMES = ("", SERVICE_NAME)
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


@dataclass
class RunningServer:
    server: grpc.aio.Server
    health: health_aio.HealthServicer
    port: int
    application: Application

    async def stop(self, grace_seconds: float, delay_seconds: float = 0.0) -> None:
        """NOT_SERVING first while still serving for `delay_seconds` (load balancers notice), then refuse
        new RPCs and let those in flight finish within `grace_seconds`, then release the resources."""
        await self.health.enter_graceful_shutdown()
        await asyncio.sleep(delay_seconds)
        await self.server.stop(grace=grace_seconds)
        await self.application.close()
        logger.info("files service stopped")


async def start_server(settings: Settings, application: Application) -> RunningServer:
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ]
    )
    servicer = FilesServicer(application.service, drain_limit_bytes=settings.max_file_size)
    files_pb2_grpc.add_FilesServiceServicer_to_server(servicer, server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    for name in HEALTH_CHECKED_NAMES:
        await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    port = server.add_insecure_port(settings.listen_address)
    await server.start()
    for name in HEALTH_CHECKED_NAMES:
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    host = settings.listen_address.rpartition(":")[0]
    logger.info("files service listening on %s:%d", host, port)
    return RunningServer(server=server, health=health, port=port, application=application)


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    application = await bootstrap(settings)
    try:
        running = await start_server(settings, application)
    except BaseException:
        await application.close()
        raise
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop_requested.set)
    await stop_requested.wait()
    logger.info(
        "shutting down: not serving, draining in %.1f s (grace %.1f s)",
        settings.shutdown_delay_seconds,
        settings.shutdown_grace_seconds,
    )
    await running.stop(settings.shutdown_grace_seconds, settings.shutdown_delay_seconds)
