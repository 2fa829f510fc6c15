"""The operators' use cases for accounts (`python -m auth_service admin ...`): disable an account (its
tokens revoked and refused, its login refused, its files kept), enable it again, and delete a disabled
one (the last step of an account deletion cut short). Each action is logged with the operator who ran
it."""

import logging
from dataclasses import dataclass

from auth_service.domain.errors import AccountNotDisabled, UserNotFound
from auth_service.domain.model import Account
from auth_service.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountChange:
    account: Account
    changed: bool  # False: it was so already
    tokens_revoked: int = 0


class AccountsAdmin:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, operator: str) -> None:
        """`operator`: who runs the actions, named in every log line."""
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._operator = operator

    async def disable(self, username: str) -> AccountChange:
        """Revokes every token of the account too, so enabling it later brings none back. UserNotFound
        when there is no such account."""
        async with self._unit_of_work() as uow:
            account = await self._account(uow, username)
            changed = not account.disabled
            if changed:
                await uow.accounts.set_disabled_at(account.account_id, self._clock.now())
            # Also for an account disabled already: a login that was under way as it was disabled
            # may have issued a token since (refused all the same, and removed now).
            revoked = await uow.tokens.delete_of_account(account.account_id)
            await uow.commit()
        what = "disabled" if changed else "asked to disable, disabled already,"
        self._log("disable", account, f"{what} account {account.account_id} ({revoked} token(s) revoked)")
        return AccountChange(account, changed, revoked)

    async def enable(self, username: str) -> AccountChange:
        """UserNotFound when there is no such account."""
        async with self._unit_of_work() as uow:
            account = await self._account(uow, username)
            if account.disabled:
                await uow.accounts.set_disabled_at(account.account_id, None)
                await uow.commit()
        what = "enabled" if account.disabled else "asked to enable, enabled already,"
        self._log("enable", account, f"{what} account {account.account_id}")
        return AccountChange(account, account.disabled)

    async def delete(self, username: str) -> AccountChange:
        """The last step of an account deletion cut short: deletes the disabled account, its tokens and
        its file list, once its files are deleted (`python -m files_service admin delete-account-files`).
        AccountNotDisabled for an account that is not disabled, UserNotFound when there is none."""
        async with self._unit_of_work() as uow:
            account = await self._account(uow, username)
            if not account.disabled:
                raise AccountNotDisabled()
            listed = await uow.files.delete_of_account(account.account_id)
            await uow.accounts.delete(account.account_id)
            await uow.commit()
        self._log(
            "delete", account, f"deleted account {account.account_id} ({listed} listed file(s) dropped)"
        )
        return AccountChange(account, True)

    @staticmethod
    async def _account(uow: UnitOfWork, username: str) -> Account:
        account = await uow.accounts.get_by_username(username)
        if account is None:
            raise UserNotFound()
        return account

    def _log(self, action: str, account: Account, what: str) -> None:
        logger.info(
            "operator %s: %s",
            self._operator,
            what,
            extra={"operator": self._operator, "admin_action": action, "target": account.account_id},
        )
