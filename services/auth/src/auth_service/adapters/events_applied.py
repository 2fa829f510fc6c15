"""Whether auth's durable consumer has applied the file events, asked of JetStream from outside it."""

import asyncio
import logging
from collections.abc import Mapping

import nats
import nats.errors
from nats.aio.client import Client

from auth_service.adapters.jetstream import EventStreamConfig, wait_until_acked

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05
CONNECT_TIMEOUT_SECONDS = 5.0
CONNECT_ATTEMPTS = 1


class JetStreamEventsApplied:
    """Connects on first use, without retrying: a reconciliation that cannot tell says so and goes on."""

    def __init__(
        self, url: str, config: EventStreamConfig, credentials: Mapping[str, str] | None = None
    ) -> None:
        self._url = url
        self._credentials = dict(credentials or {})
        self._config = config
        self._client: Client | None = None

    async def wait_until_applied(self, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                jetstream = (await self._connected()).jetstream()
                await wait_until_acked(jetstream, self._config, POLL_SECONDS)
                return True
        except (TimeoutError, OSError, nats.errors.Error) as error:
            logger.warning("cannot tell whether every file event is applied (%r)", error)
            return False

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.close()

    async def _connected(self) -> Client:
        if self._client is None:
            self._client = await nats.connect(
                self._url,
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                allow_reconnect=False,
                max_reconnect_attempts=CONNECT_ATTEMPTS,
                reconnect_time_wait=0,
                error_cb=_log_error,
                **self._credentials,
            )
        return self._client


async def _log_error(error: Exception) -> None:
    logger.debug("NATS: %r", error)
