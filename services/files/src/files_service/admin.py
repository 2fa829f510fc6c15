"""The operators' use cases (`python -m files_service admin ...`): look at files, delete one, block bytes
by their SHA-256. Each action is logged with the operator who ran it; no delete key is ever logged."""

import logging
from dataclasses import dataclass

from files_service.domain.blocking import MAX_REASON_LENGTH, BlockedHash, parse_sha256
from files_service.domain.model import StoredFile
from files_service.service import Clock, FilesService, UnitOfWorkFactory, utc_now

logger = logging.getLogger(__name__)

MAX_LISTED = 1000


@dataclass(frozen=True)
class BlockOutcome:
    entry: BlockedHash
    newly_blocked: bool


class FilesAdmin:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, service: FilesService, operator: str, clock: Clock = utc_now
    ) -> None:
        """`operator`: who runs the actions, named in every log line."""
        self._uow_factory = uow_factory
        self._service = service
        self._operator = operator
        self._clock = clock

    async def show(self, file_url: str) -> StoredFile:
        """FileNotFound when there is no such file."""
        stored = await self._service.get_file_info(file_url)
        self._log("show", file_url, f"looked at file {file_url}")
        return stored

    async def delete(self, file_url: str) -> StoredFile:
        """As a user's delete does (rows and event in one transaction, then the bytes); FileNotFound when
        there is no such file."""
        stored = await self._service.remove_file(file_url)
        self._log(
            "delete",
            file_url,
            f"deleted file {file_url} ({stored.size} bytes, sha256 {stored.sha256}, "
            f"owner {stored.owner_account_id or 'none'})",
        )
        return stored

    async def delete_account_files(self, owner_account_id: str) -> int:
        """Every file of the account, as its owner's account deletion does (finishing one cut short);
        OwnerMissing for an empty id. Answers how many were deleted."""
        deleted = await self._service.delete_account_files(owner_account_id)
        self._log(
            "delete-account-files",
            owner_account_id,
            f"deleted the {deleted} file(s) of account {owner_account_id}",
        )
        return deleted

    async def block(self, sha256: str, reason: str) -> BlockOutcome:
        """InvalidSha256 for a malformed hash. A hash blocked already keeps its first entry."""
        entry = BlockedHash(parse_sha256(sha256), reason[:MAX_REASON_LENGTH], self._operator, self._clock())
        async with self._uow_factory() as uow:
            added = await uow.blocked.add(entry)
            await uow.commit()
        self._log(
            "block",
            entry.sha256,
            f"blocked sha256 {entry.sha256}"
            if added
            else f"asked to block sha256 {entry.sha256}, blocked already",
        )
        return BlockOutcome(entry, added)

    async def unblock(self, sha256: str) -> bool:
        """False when the hash was not blocked."""
        sha256 = parse_sha256(sha256)
        async with self._uow_factory() as uow:
            removed = await uow.blocked.remove(sha256)
            await uow.commit()
        self._log(
            "unblock",
            sha256,
            f"unblocked sha256 {sha256}" if removed else f"asked to unblock sha256 {sha256}, not blocked",
        )
        return removed

    async def blocked(self) -> list[BlockedHash]:
        async with self._uow_factory() as uow:
            entries = await uow.blocked.list_all()
        self._log("blocked", "", f"listed {len(entries)} blocked hash(es)")
        return entries

    async def largest(self, limit: int) -> list[StoredFile]:
        async with self._uow_factory() as uow:
            files = await uow.files.largest(_bounded(limit))
        self._log("largest", "", f"listed the {len(files)} largest file(s)")
        return files

    async def newest(self, limit: int) -> list[StoredFile]:
        async with self._uow_factory() as uow:
            files = await uow.files.newest(_bounded(limit))
        self._log("newest", "", f"listed the {len(files)} newest file(s)")
        return files

    def _log(self, action: str, target: str, what: str) -> None:
        logger.info(
            "operator %s: %s",
            self._operator,
            what,
            extra={"operator": self._operator, "admin_action": action, "target": target},
        )


def _bounded(limit: int) -> int:
    return max(0, min(limit, MAX_LISTED))
