"""What a reconciliation found and did: per kind of difference, counts and the first few items."""

from dataclasses import dataclass, field
from enum import StrEnum


class Difference(StrEnum):
    ORPHANED_BLOB = "orphaned_blob"
    MISSING_BLOB = "missing_blob"
    SIZE_MISMATCH = "size_mismatch"
    TEMP_LEFTOVER = "temp_leftover"
    UNPUBLISHED_EVENT = "unpublished_event"


EXIT_CLEAN = 0
EXIT_DIFFERENCES = 1
EXIT_ERROR = 2


@dataclass(frozen=True)
class Finding:
    kind: Difference
    subject: str
    detail: str
    action: str = ""


@dataclass
class Tally:
    found: int = 0
    repaired: int = 0
    samples: list[Finding] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.found - self.repaired


class ReconcileReport:
    """Counts every difference but keeps only the first `sample_size` of each kind."""

    def __init__(self, *, repair: bool, sample_size: int) -> None:
        self.repair = repair
        self.sample_size = sample_size
        self.tallies = {kind: Tally() for kind in Difference}
        self.checked: dict[str, int] = {}
        self.errors: list[str] = []

    def record(self, finding: Finding, *, repaired: bool = False) -> None:
        tally = self.tallies[finding.kind]
        tally.found += 1
        tally.repaired += int(repaired)
        if len(tally.samples) < self.sample_size:
            tally.samples.append(finding)

    def record_counted(self, kind: Difference, *, found: int, repaired: int, samples: list[Finding]) -> None:
        """For differences counted in bulk, with only their first few items at hand."""
        tally = self.tallies[kind]
        tally.found += found
        tally.repaired += repaired
        tally.samples.extend(samples[: self.sample_size - len(tally.samples)])

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    @property
    def differences(self) -> int:
        return sum(tally.found for tally in self.tallies.values())

    @property
    def exit_status(self) -> int:
        """2 when something could not be checked or repaired, else 1 when differences were found."""
        if self.errors:
            return EXIT_ERROR
        return EXIT_DIFFERENCES if self.differences else EXIT_CLEAN
