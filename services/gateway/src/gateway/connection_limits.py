"""How many connections one gateway process holds open: in all, and from one client address.

A connection from a trusted proxy counts toward the total only: behind a proxy every client shares the
proxy's address, so the proxy is the one that can cap each real client's connections. A refused
connection is answered and held a moment longer (see guarded_protocol), at most MAX_LINGERING of them
at once: under a flood of connections the rest are closed right after their answer. Refusals are
logged as a warning, at most once a minute for each reason, with how many there were."""

import enum
import ipaddress
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable

MAX_LINGERING = 512
REFUSAL_LOG_INTERVAL_SECONDS = 60.0

logger = logging.getLogger(__name__)


class Refusal(enum.Enum):
    """Why a connection is not admitted: the HTTP status and message it is answered, the log's cause."""

    GATEWAY_FULL = (
        503,
        "The gateway has too many open connections, try again later",
        "FU_GATEWAY_MAX_CONNECTIONS reached",
    )
    CLIENT_FULL = (
        429,
        "Too many open connections from your address, try again later",
        "a client address at FU_GATEWAY_MAX_CONNECTIONS_PER_CLIENT",
    )

    def __init__(self, status_code: int, message: str, cause: str) -> None:
        self.status_code = status_code
        self.message = message
        self.cause = cause


class ConnectionLimiter:
    """Counts the connections it admitted until each is released. Not thread-safe: one per event loop."""

    def __init__(
        self,
        max_total: int,
        max_per_client: int,
        uncapped_clients: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`uncapped_clients`: addresses or CIDRs ("*": every address) held to the total only."""
        self.max_total = max_total
        self._max_per_client = max_per_client
        entries = list(uncapped_clients)
        self._everyone_uncapped = "*" in entries
        self._uncapped = [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"]
        self._total = 0
        self._per_client: Counter[str] = Counter()
        self._lingering = 0
        self._clock = clock
        self._unlogged_refusals: Counter[Refusal] = Counter()
        self._refusals_logged_at: dict[Refusal, float] = {}

    @property
    def open_connections(self) -> int:
        return self._total

    def admit(self, client: str | None) -> Refusal | None:
        """None when the connection from `client` (None: an address unknown) is admitted and counted."""
        if self._total >= self.max_total:
            return self._refused(Refusal.GATEWAY_FULL)
        capped = client if client is not None and not self._is_uncapped(client) else None
        if capped is not None and self._per_client[capped] >= self._max_per_client:
            return self._refused(Refusal.CLIENT_FULL)
        self._total += 1
        if capped is not None:
            self._per_client[capped] += 1
        return None

    def release(self, client: str | None) -> None:
        """Ends the count of a connection that admit() let in."""
        self._total -= 1
        if client is not None and client in self._per_client:
            self._per_client[client] -= 1
            if not self._per_client[client]:
                del self._per_client[client]

    def start_lingering(self) -> bool:
        """Whether one more refused connection may linger; if so it counts until stop_lingering()."""
        if self._lingering >= MAX_LINGERING:
            return False
        self._lingering += 1
        return True

    def stop_lingering(self) -> None:
        self._lingering -= 1

    def _refused(self, refusal: Refusal) -> Refusal:
        self._unlogged_refusals[refusal] += 1
        now = self._clock()
        logged_at = self._refusals_logged_at.get(refusal)
        if logged_at is None or now - logged_at >= REFUSAL_LOG_INTERVAL_SECONDS:
            logger.warning(
                "%d connection(s) refused since the last report: %s (%d open)",
                self._unlogged_refusals.pop(refusal),
                refusal.cause,
                self._total,
            )
            self._refusals_logged_at[refusal] = now
        return refusal

    def _is_uncapped(self, client: str) -> bool:
        if self._everyone_uncapped:
            return True
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in self._uncapped)
