"""The NATS connection, made in the background so that the service serves while NATS is down."""

import asyncio
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType
from nats.js.errors import BadRequestError, NotFoundError

logger = logging.getLogger(__name__)

STREAM_NAME_IN_USE = 10058
DUPLICATE_WINDOW_SECONDS = 120.0


def redacted(url: str) -> str:
    """The URL without credentials, for logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.hostname else "<nats url>"


async def ensure_stream(
    jetstream: JetStreamContext, name: str, subjects: list[str], replicas: int = 1
) -> None:
    """Create the stream (with `replicas` copies on a NATS cluster) when it does not exist; an existing
    stream is never modified."""
    try:
        await jetstream.stream_info(name)
        return
    except NotFoundError:
        pass
    try:
        await jetstream.add_stream(
            name=name,
            subjects=subjects,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
        )
        logger.info("created JetStream stream %s for %s (%d replicas)", name, subjects, replicas)
    except BadRequestError as error:
        if error.err_code != STREAM_NAME_IN_USE:
            raise
        logger.info("JetStream stream %s was created meanwhile by another service", name)


class NatsConnection:
    """Connects (retrying until NATS answers, then reconnecting forever) and ensures the stream."""

    def __init__(
        self,
        url: str,
        stream_name: str,
        stream_subjects: list[str],
        retry_seconds: float = 1.0,
        stream_replicas: int = 1,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        """`credentials`: nats.connect()'s `user` and `password`, when NATS asks for them."""
        self._url = url
        self._credentials = dict(credentials or {})
        self._stream_name = stream_name
        self._stream_subjects = stream_subjects
        self._stream_replicas = stream_replicas
        self._retry_seconds = retry_seconds
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._last_error = ""

    @property
    def jetstream(self) -> JetStreamContext | None:
        """None until connected with the stream in place, and again while the connection is down
        (nats-py would buffer a publish until its timeout)."""
        if self._client is None or not self._client.is_connected:
            return None
        return self._jetstream

    def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect_until_ready(), name="nats-connect")

    async def wait_ready(self) -> None:
        if self._connecting is not None:
            await asyncio.shield(self._connecting)

    async def close(self) -> None:
        tasks = [task for task in (self._connecting, *self._background) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._jetstream = None
        if self._client is not None and not self._client.is_closed:
            await self._client.close()

    async def _connect_until_ready(self) -> None:
        while self._client is None:
            try:
                self._client = await self._connect()
            except Exception as error:
                logger.warning("NATS at %s is not reachable yet (%s); retrying", redacted(self._url), error)
                await asyncio.sleep(self._retry_seconds)
        logger.info("connected to NATS at %s", redacted(self._url))
        self._last_error = ""
        jetstream = self._client.jetstream()
        while True:
            try:
                await self._ensure_stream(jetstream)
                break
            except Exception as error:
                logger.warning("cannot ensure stream %s yet (%s); retrying", self._stream_name, error)
                await asyncio.sleep(self._retry_seconds)
        self._jetstream = jetstream

    async def _connect(self) -> Client:
        return await nats.connect(
            servers=[self._url],
            connect_timeout=2,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=self._retry_seconds,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
            error_cb=self._on_error,
            **self._credentials,
        )

    async def _on_disconnected(self) -> None:
        logger.warning("disconnected from NATS; reconnecting in the background")

    async def _on_reconnected(self) -> None:
        logger.info("reconnected to NATS")
        self._last_error = ""
        if self._jetstream is not None:
            task = asyncio.create_task(self._ensure_stream_after_reconnect(self._jetstream))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _ensure_stream_after_reconnect(self, jetstream: JetStreamContext) -> None:
        """A NATS server that came back without its data would otherwise refuse every publish."""
        try:
            await self._ensure_stream(jetstream)
        except Exception as error:
            logger.warning("cannot ensure stream %s after reconnecting: %s", self._stream_name, error)

    async def _ensure_stream(self, jetstream: JetStreamContext) -> None:
        await ensure_stream(jetstream, self._stream_name, self._stream_subjects, self._stream_replicas)

    async def _on_error(self, error: Exception) -> None:
        """The client retries every reconnect_time_wait: log each distinct error once, not every try."""
        text = f"{type(error).__name__}: {error}"
        if text != self._last_error:
            logger.warning("NATS at %s: %s (retrying in the background)", redacted(self._url), text)
        self._last_error = text
