"""What a reconciliation of the account lists found and did: per kind, counts and the first few items."""

from dataclasses import dataclass, field

from auth_service.domain.list_comparison import Difference

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
    remaining: int = 0
    samples: list[Finding] = field(default_factory=list)


class ReconcileReport:
    """Counts every difference but keeps only the first `sample_size` of each kind. `remaining` is what
    a second comparison still finds: after a repair, or the same as `found` without one."""

    def __init__(self, *, repair: bool, sample_size: int) -> None:
        self.repair = repair
        self.sample_size = sample_size
        self.tallies = {kind: Tally() for kind in Difference}
        self.checked: dict[str, int] = {}
        self.errors: list[str] = []
        self.notes: list[str] = []

    def record(self, finding: Finding, *, repaired: bool = False) -> None:
        tally = self.tallies[finding.kind]
        tally.found += 1
        tally.repaired += int(repaired)
        if not self.repair:
            tally.remaining += 1
        if len(tally.samples) < self.sample_size:
            tally.samples.append(finding)

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
