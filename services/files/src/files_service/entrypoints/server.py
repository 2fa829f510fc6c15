"""The grpc.aio server: FilesService plus grpc.health.v1 and metrics, with a graceful shutdown on
SIGTERM/SIGINT."""

import asyncio
import contextlib
import functools
import logging
import signal
from dataclasses import dataclass, field
from datetime import timedelta

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from prometheus_client import REGISTRY

from files_service.bootstrap import Application, bootstrap
from files_service.entrypoints.handlers import add_files_servicer_to_server
from files_service.entrypoints.servicer import FilesServicer
from files_service.settings import Settings
from fileuploader.files.v1 import files_pb2
from fileuploader_runtime.caller_gate import CallerGate
from fileuploader_runtime.grpc_observer import RpcObserver
from fileuploader_runtime.metrics_endpoint import metrics_served
from fileuploader_runtime.periodic import run_periodically
from fileuploader_runtime.task_stopping import cancel_and_wait

logger = logging.getLogger(__name__)

SERVICE_NAME = files_pb2.DESCRIPTOR.services_by_name["FilesService"].full_name
HEALTH_CHECKED_NAMES = ("", SERVICE_NAME)
# SERVING from the start until shutdown begins: the process answers (liveness probe).
LIVENESS = "liveness"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# Who may call what: the gateway serves the public API; auth only reconciles its account lists.
CALLER_METHODS = {
    "gateway": (
        "UploadFile",
        "UploadWholeFile",
        "UploadWholeFiles",
        "ReadFile",
        "GetFileInfo",
        "DeleteFile",
        "GetDownloadUrl",
        "ClaimFiles",
        "GetAccountUsage",
        "CountDownload",
        "GetFileLimits",
        "DeleteAccountFiles",
    ),
    "auth": ("ListOwnedFiles", "RepublishFileEvents"),
}
# Clients ping (the gateway every FU_GATEWAY_RPC_KEEPALIVE_SECONDS, 2 s at least) to notice a frozen
# server; by default gRPC would answer a ping more frequent than every 5 minutes with GOAWAY too_many_pings.
PINGS_PERMITTED: list[tuple[str, int]] = [
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 1000),
]


@dataclass
class RunningServer:
    server: grpc.aio.Server
    health: health_aio.HealthServicer
    port: int
    application: Application
    background: list[asyncio.Task[None]] = field(default_factory=list)
    resources: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    async def stop(self, grace_seconds: float, delay_seconds: float = 0.0) -> None:
        """NOT_SERVING first while still serving for `delay_seconds` (load balancers notice), then refuse
        new RPCs and let those in flight finish within `grace_seconds`, then release the resources."""
        await self.health.enter_graceful_shutdown()
        await asyncio.sleep(delay_seconds)
        await cancel_and_wait(self.background)
        await self.server.stop(grace=grace_seconds)
        self.resources.close()
        await self.application.close()
        logger.info("files service stopped")


def server_options(settings: Settings) -> list[tuple[str, int]]:
    """Connections are closed (GOAWAY, then the grace for calls in flight) after MAX_CONNECTION_AGE,
    so clients resolve the service's name again and spread their calls over the pods there are now."""
    options = [
        *PINGS_PERMITTED,
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    if settings.max_connection_age_seconds:
        options += [
            ("grpc.max_connection_age_ms", round(settings.max_connection_age_seconds * 1000)),
            ("grpc.max_connection_age_grace_ms", round(settings.max_connection_age_grace_seconds * 1000)),
        ]
    return options


def caller_gate(settings: Settings) -> CallerGate:
    """Refuses to serve in production without every caller's token (the reconcile command needs none)."""
    tokens = {"gateway": settings.gateway_rpc_token, "auth": settings.auth_rpc_token}
    missing = [f"FU_FILES_{name.upper()}_RPC_TOKEN" for name, token in tokens.items() if token is None]
    if missing and settings.environment == "production":
        raise ValueError(f"{' and '.join(missing)} must be set when FU_FILES_ENVIRONMENT=production")
    if missing:
        logger.warning("%s not set: those calls are all refused", " and ".join(missing))
    return CallerGate(
        {name: token.get_secret_value() if token else None for name, token in tokens.items()},
        {caller: [f"/{SERVICE_NAME}/{name}" for name in names] for caller, names in CALLER_METHODS.items()},
    )


async def record_outbox_backlog(application: Application) -> None:
    application.metrics.events.outbox_pending.set(await application.relay.backlog())


async def purge_expired_files(application: Application) -> None:
    report = await application.purge.run()
    metrics = application.metrics.purge
    for reason, count in report.purged.items():
        metrics.purged.labels(reason.value).inc(count)
    metrics.bytes_freed.inc(report.bytes_freed)
    metrics.lag.set(report.lag_seconds)


async def start_server(settings: Settings, application: Application) -> RunningServer:
    server = grpc.aio.server(
        interceptors=[RpcObserver(application.metrics.rpc), caller_gate(settings)],
        options=server_options(settings),
    )
    servicer = FilesServicer(application.service, settings.max_file_size, application.metrics.transfers)
    add_files_servicer_to_server(servicer, server)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    await health.set(LIVENESS, health_pb2.HealthCheckResponse.SERVING)
    for name in HEALTH_CHECKED_NAMES:
        await health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    port = server.add_insecure_port(settings.listen_address)
    running = RunningServer(server=server, health=health, port=port, application=application)
    running.resources.enter_context(
        metrics_served(settings.listen_host, settings.metrics_port, application.registry)
    )
    await server.start()
    for name in HEALTH_CHECKED_NAMES:
        await health.set(name, health_pb2.HealthCheckResponse.SERVING)
    backlog = run_periodically(
        functools.partial(record_outbox_backlog, application),
        settings.metrics_refresh_seconds,
        "counting the outbox",
    )
    running.background.append(asyncio.create_task(backlog, name="outbox-backlog-gauge"))
    purge = run_periodically(
        functools.partial(
            application.service.purge_idempotency_records, timedelta(seconds=settings.idempotency_ttl_seconds)
        ),
        settings.idempotency_purge_interval_seconds,
        "forgetting old idempotency keys",
    )
    running.background.append(asyncio.create_task(purge, name="idempotency-purge"))
    files_purge = run_periodically(
        functools.partial(purge_expired_files, application),
        settings.purge_interval_seconds,
        "purging expired and used-up files",
    )
    running.background.append(asyncio.create_task(files_purge, name="expired-files-purge"))
    logger.info("files service listening on %s:%d", settings.listen_address.rpartition(":")[0], port)
    return running


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    application = await bootstrap(settings, REGISTRY)
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
