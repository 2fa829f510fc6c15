"""Per-account limits on what an account stores, and the rule an owned upload must pass."""

from dataclasses import dataclass

from files_service.domain.errors import QuotaBytesExceeded, QuotaFilesExceeded


@dataclass(frozen=True)
class AccountUsage:
    files: int
    bytes: int


@dataclass(frozen=True)
class AccountQuota:
    """0: no limit."""

    max_bytes: int = 0
    max_files: int = 0

    @property
    def limits_anything(self) -> bool:
        return bool(self.max_bytes or self.max_files)

    def check(self, usage: AccountUsage, adding_bytes: int) -> None:
        """Raises QuotaExceeded unless one more file of `adding_bytes` fits beside `usage`."""
        if self.max_files and usage.files + 1 > self.max_files:
            raise QuotaFilesExceeded(f"the account may keep at most {self.max_files} files", self.max_files)
        if self.max_bytes and usage.bytes + adding_bytes > self.max_bytes:
            raise QuotaBytesExceeded(f"the account may keep at most {self.max_bytes} bytes", self.max_bytes)

    def check_stored(self, usage: AccountUsage) -> None:
        """Raises QuotaExceeded when `usage`, which counts the file just written, is past a limit."""
        self.check(AccountUsage(usage.files - 1, usage.bytes), 0)
