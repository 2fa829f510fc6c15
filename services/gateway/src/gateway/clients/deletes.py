"""The files.deleted events, heard on a plain core-NATS subscription (no durable consumer: what is
published while the gateway is not connected is lost, so `deaf` is called then, `listening` once the
subscription is in place again)."""

import asyncio
import logging
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import nats
from google.protobuf.message import DecodeError
from nats.aio.client import Client
from nats.aio.msg import Msg

from fileuploader.events.v1 import file_events_pb2
from fileuploader_runtime.task_stopping import cancel_and_wait

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2


def redacted(url: str) -> str:
    """The URL without credentials, for logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.hostname else "<nats url>"


class DeleteListener:
    """Connects in the background (retrying every `retry_seconds` until NATS answers, then reconnecting
    forever) and calls `deleted(file_url)` for each FileDeleted on `<subject_prefix>.deleted`."""

    def __init__(
        self,
        url: str,
        subject_prefix: str,
        credentials: Mapping[str, str],
        *,
        deleted: Callable[[str], None],
        listening: Callable[[], None],
        deaf: Callable[[], None],
        retry_seconds: float = 1.0,
    ) -> None:
        self._url = url
        self._subject = f"{subject_prefix}.deleted"
        self._credentials = dict(credentials)
        self._deleted = deleted
        self._listening = listening
        self._deaf = deaf
        self._retry_seconds = retry_seconds
        self._client: Client | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._last_error = ""
        self._subscribed = False

    def start(self) -> None:
        self._connecting = asyncio.create_task(self._connect_and_subscribe(), name="nats-deletes")

    async def close(self) -> None:
        self._deaf()
        if self._connecting is not None:
            await cancel_and_wait([self._connecting])
        if self._client is not None and not self._client.is_closed:
            await self._client.close()

    async def _connect_and_subscribe(self) -> None:
        client: Client | None = None
        while client is None:
            try:
                client = await self._connect()
            except Exception as error:
                logger.warning(
                    "NATS at %s is not reachable yet (%s); the file cache stays off, retrying",
                    redacted(self._url),
                    error,
                )
                await asyncio.sleep(self._retry_seconds)
        self._client = client
        while True:
            try:
                await client.subscribe(self._subject, cb=self._on_message)
                await client.flush(timeout=CONNECT_TIMEOUT_SECONDS)
                break
            except Exception as error:
                logger.warning("cannot subscribe to %s yet (%s); retrying", self._subject, error)
                await asyncio.sleep(self._retry_seconds)
        logger.info("listening for deletes on %s at %s", self._subject, redacted(self._url))
        self._subscribed = True
        if client.is_connected:
            self._listening()

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

    async def _on_message(self, message: Msg) -> None:
        event = file_events_pb2.FileDeleted()
        try:
            event.ParseFromString(message.data)
        except DecodeError:
            logger.warning("ignored a message on %s that is not a FileDeleted", message.subject)
            return
        self._deleted(event.file_url)

    async def _on_disconnected(self) -> None:
        logger.warning("disconnected from NATS: the file cache is off until reconnected")
        self._deaf()

    async def _on_reconnected(self) -> None:
        # nats-py has sent the subscription again before calling this.
        logger.info("reconnected to NATS: the file cache is on again")
        self._last_error = ""
        if self._subscribed:
            self._listening()

    async def _on_error(self, error: Exception) -> None:
        """The client retries every reconnect_time_wait: log each distinct error once, not every try."""
        text = f"{type(error).__name__}: {error}"
        if text != self._last_error:
            logger.warning("NATS at %s: %s (retrying in the background)", redacted(self._url), text)
        self._last_error = text
