"""What a reconciliation found and did: per kind of difference, counts and the first few items."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

EXIT_CLEAN = 0
EXIT_DIFFERENCES = 1
EXIT_ERROR = 2


@dataclass(frozen=True)
class Finding:
    kind: StrEnum
    subject: str
    detail: str
    action: str = ""


@dataclass
class Tally:
    found: int = 0
    repaired: int = 0
    remaining: int = 0
    samples: list[Finding] = field(default_factory=list)


class ReconcileReport:
    """Counts every difference but keeps only the first `sample_size` of each kind. `remaining` is what
    was found and not repaired, unless a comparison after the repair counts it again (`recount_remaining`)."""

    def __init__(self, kinds: Iterable[StrEnum], *, repair: bool, sample_size: int) -> None:
        self.repair = repair
        self.sample_size = sample_size
        self.tallies = {kind: Tally() for kind in kinds}
        self.checked: dict[str, int] = {}
        self.errors: list[str] = []
        self.notes: list[str] = []

    def record(self, finding: Finding, *, repaired: bool = False) -> None:
        tally = self.tallies[finding.kind]
        tally.found += 1
        tally.repaired += repaired
        tally.remaining += not repaired
        if len(tally.samples) < self.sample_size:
            tally.samples.append(finding)

    def record_counted(self, kind: StrEnum, *, found: int, repaired: int, samples: list[Finding]) -> None:
        """For differences counted in bulk, with only their first few items at hand."""
        tally = self.tallies[kind]
        tally.found += found
        tally.repaired += repaired
        tally.remaining += found - repaired
        tally.samples.extend(samples[: max(self.sample_size - len(tally.samples), 0)])

    def recount_remaining(self) -> None:
        """Forgets what remained, for a comparison after the repair to count with `count_remaining`."""
        for tally in self.tallies.values():
            tally.remaining = 0

    def count_remaining(self, kind: StrEnum) -> None:
        self.tallies[kind].remaining += 1

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    @property
    def differences(self) -> int:
        return sum(tally.found for tally in self.tallies.values())

    @property
    def exit_status(self) -> int:
        """2 when something could not be checked or repaired, else 1 when differences were found."""
        if self.errors:
            return EXIT_ERROR
        return EXIT_DIFFERENCES if self.differences else EXIT_CLEAN
