"""The NATS connection, made in the background so that a service serves while NATS is down: retried
until NATS answers, then reconnected forever, with the event stream ensured on each (re)connection."""

import asyncio
import logging
from collections.abc import Mapping

import nats
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext

from fileuploader_runtime.nats.event_stream import EventStream, ensure_stream
from fileuploader_runtime.nats.urls import without_credentials
from fileuploader_runtime.task_stopping import cancel_and_wait

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2
JETSTREAM_REQUEST_TIMEOUT_SECONDS = 5.0  # nats-py's own default


class NatsConnection:
    """Connects (retrying until NATS answers, then reconnecting forever) and ensures the stream."""

    def __init__(
        self,
        url: str,
        stream: EventStream,
        *,
        retry_seconds: float = 1.0,
        request_timeout: float = JETSTREAM_REQUEST_TIMEOUT_SECONDS,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        """`credentials`: nats.connect()'s `user` and `password`, when NATS asks for them.
        `request_timeout` bounds each JetStream API request."""
        self._url = url
        self._shown_url = without_credentials(url)
        self._credentials = dict(credentials or {})
        self._stream = stream
        self._retry_seconds = retry_seconds
        self._request_timeout = request_timeout
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._last_error = ""

    @property
    def is_connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def jetstream(self) -> JetStreamContext | None:
        """None until connected with the stream in place, and again while the connection is down
        (nats-py would buffer a publish until its timeout)."""
        if self._client is None or not self._client.is_connected:
            return None
        return self._jetstream

    def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect_until_ready(), name="nats-connect")

    async def wait_ready(self) -> JetStreamContext:
        """Once connected with the stream in place (callers bound the wait)."""
        if self._connecting is None:
            raise RuntimeError("wait_ready() before start()")
        await asyncio.shield(self._connecting)
        assert self._jetstream is not None, "set when connecting ends"
        return self._jetstream

    async def close(self) -> None:
        await cancel_and_wait(task for task in (self._connecting, *self._background) if task is not None)
        self._jetstream = None
        if self._client is None or self._client.is_closed:
            return
        try:
            await self._client.close()
        except (OSError, nats.errors.Error) as error:  # a connection already lost cannot flush
            logger.debug("closing the NATS connection failed: %r", error)

    async def _connect_until_ready(self) -> None:
        while self._client is None:
            try:
                self._client = await self._connect()
            except Exception as error:
                logger.warning("NATS at %s is not reachable yet (%s); retrying", self._shown_url, error)
                await asyncio.sleep(self._retry_seconds)
        logger.info("connected to NATS at %s", self._shown_url)
        self._last_error = ""
        jetstream = self._client.jetstream(timeout=self._request_timeout)
        while True:
            try:
                await self._ensure_stream(jetstream)
                break
            except Exception as error:
                logger.warning("cannot ensure stream %s yet (%s); retrying", self._stream.name, error)
                await asyncio.sleep(self._retry_seconds)
        self._jetstream = jetstream

    async def _connect(self) -> Client:
        return await nats.connect(
            servers=[self._url],
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
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
            logger.warning("cannot ensure stream %s after reconnecting: %s", self._stream.name, error)

    async def _ensure_stream(self, jetstream: JetStreamContext) -> None:
        await ensure_stream(jetstream, self._stream)

    async def _on_error(self, error: Exception) -> None:
        """The client retries every reconnect_time_wait: log each distinct error once, not every try."""
        text = f"{type(error).__name__}: {error}"
        if text != self._last_error:
            logger.warning("NATS at %s: %s (retrying in the background)", self._shown_url, text)
        self._last_error = text
