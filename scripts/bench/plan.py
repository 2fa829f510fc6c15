"""How much to measure: the full comparison (`make bench`, ~10 minutes on 2 cores) or a smoke run
(`--quick`, ~2 minutes). Each point of a sweep is one load-tool run of `seconds`."""

from __future__ import annotations

import dataclasses

KIB = 1024
MIB = 1024 * KIB


@dataclasses.dataclass(frozen=True)
class Plan:
    name: str
    seconds: float  # per concurrency point (wrk, hey)
    transfer_seconds: float  # per file-size point (curl, one transfer after another)
    concurrencies: tuple[int, ...]
    sizes: tuple[int, ...]
    # the hot-path table's own points: each must be one of the sweeps' points
    get_clients: int = 32
    upload_clients: int = 16
    small_get_size: int = KIB
    small_upload_size: int = 64 * KIB
    large_size: int = 100 * MIB
    warmup_size: int = MIB  # a first upload before the memory is read: start-up allocations aren't per upload
    max_transfer_bytes: int = 2 * 1024 * MIB  # per size point: what uploads may leave on disk
    max_transfers: int = 1000  # per size point: one curl command line

    def __post_init__(self) -> None:
        if self.get_clients not in self.concurrencies or self.upload_clients not in self.concurrencies:
            raise ValueError(
                f"concurrencies {self.concurrencies} must include {self.get_clients} "
                f"and {self.upload_clients}"
            )
        if self.large_size not in self.sizes:
            raise ValueError(f"sizes must include {self.large_size}")

    @property
    def sample_sizes(self) -> tuple[int, ...]:
        """Every file size some case sends or fetches."""
        return tuple(sorted({*self.sizes, self.small_get_size, self.small_upload_size, self.warmup_size}))


FULL = Plan(
    "full",
    seconds=6,
    transfer_seconds=6,
    concurrencies=(1, 4, 16, 32, 64),
    sizes=(KIB, 64 * KIB, MIB, 10 * MIB, 100 * MIB),
)
QUICK = Plan("quick", seconds=2, transfer_seconds=2, concurrencies=(1, 16, 32), sizes=(KIB, MIB, 100 * MIB))
