"""The quotas of owned uploads, checked twice: before any byte is stored (against what the account
stores and the upload's size bound) and in the upload's own transaction, against the exact usage with
the new row in it, so that concurrent uploads cannot together go past a limit unnoticed."""

from collections.abc import Callable

from files_service.domain.errors import QuotaBytesExceeded
from files_service.domain.ports import UnitOfWork
from files_service.domain.quotas import AccountQuota, AccountUsage

UnitOfWorkFactory = Callable[[], UnitOfWork]


class AccountQuotas:
    def __init__(self, uow_factory: UnitOfWorkFactory, quota: AccountQuota) -> None:
        self._uow_factory = uow_factory
        self.quota = quota

    async def usage(self, owner_account_id: str) -> AccountUsage:
        async with self._uow_factory() as uow:
            return await uow.files.usage_of(owner_account_id)

    def applies_to(self, owner_account_id: str) -> bool:
        """Anonymous uploads have no account, hence no quota."""
        return bool(owner_account_id) and self.quota.limits_anything

    async def room_before_upload(self, owner_account_id: str, size_bound: int) -> int | None:
        """Raises QuotaExceeded when the upload, `size_bound` bytes at most (0: unknown), cannot fit;
        else the bytes the account has room for (None: no byte limit)."""
        usage = await self.usage(owner_account_id)
        self.quota.check(usage, size_bound)
        return self.quota.max_bytes - usage.bytes if self.quota.max_bytes else None

    def refusal_past(self, room: int) -> Callable[[], Exception]:
        limit = self.quota.max_bytes
        return lambda: QuotaBytesExceeded(f"the account may keep at most {limit} bytes ({room} left)", limit)

    async def check_recorded(self, uow: UnitOfWork, owner_account_id: str) -> None:
        """In the transaction that has just written the account's new file: QuotaExceeded when the
        account, that file counted, is past a limit."""
        self.quota.check_stored(await uow.files.usage_of(owner_account_id))
