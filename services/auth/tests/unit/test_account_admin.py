"""The operators' disable and enable: a disabled account's tokens and logins are refused, its files kept."""

import logging

import pytest

from auth_service.admin import AccountsAdmin
from auth_service.domain.account_files import FileUploaded
from auth_service.domain.errors import AccountDisabled, TokenNotFound, UserNotFound, WrongPassword
from auth_service.domain.model import TokenKind
from auth_service.service import AuthService


@pytest.fixture
def admin(database, clock) -> AccountsAdmin:
    return AccountsAdmin(database.unit_of_work, clock, operator="alice-ops")


def uploaded(file_url: str, clock) -> FileUploaded:
    return FileUploaded(
        file_url=file_url,
        owner_account_id="",
        delete_key="k" * 36,
        ext=".txt",
        user_filename="notes.txt",
        size=5,
        created_at=clock.now(),
    )


async def test_disable_refuses_every_token_of_the_account(service: AuthService, admin) -> None:
    first = await service.register("mallory", "secret", TokenKind.NORMAL)
    bot = await service.login("mallory", "secret", TokenKind.BOT)

    change = await admin.disable("mallory")

    assert change.changed and change.tokens_revoked == 2
    for token in (first.access_token, bot.access_token):
        with pytest.raises(TokenNotFound):
            await service.validate_token(token)
        with pytest.raises(TokenNotFound):
            await service.list_account_files(token)
        with pytest.raises(TokenNotFound):
            await service.refresh_token(token)


async def test_disabled_login_with_the_right_password_is_refused(service: AuthService, admin) -> None:
    await service.register("mallory", "secret", TokenKind.NORMAL)
    await admin.disable("mallory")

    with pytest.raises(AccountDisabled):
        await service.login("mallory", "secret", TokenKind.NORMAL)
    with pytest.raises(WrongPassword):  # the disabled state is told only to who knows the password
        await service.login("mallory", "wrong", TokenKind.NORMAL)


async def test_a_token_issued_while_disabling_is_refused(service: AuthService, admin, database) -> None:
    """A login that passed its checks before the disable committed still issues a token: the flag refuses it."""
    await service.register("mallory", "secret", TokenKind.NORMAL)
    await admin.disable("mallory")
    account = next(iter(database.tables.accounts.values()))
    async with database.unit_of_work() as uow:
        late = await service._issue(uow, account, TokenKind.NORMAL)
        await uow.commit()

    with pytest.raises(TokenNotFound):
        await service.validate_token(late.access_token)


async def test_enable_lets_the_account_log_in_again_with_its_files_kept(
    service: AuthService, admin, clock
) -> None:
    issued = await service.register("mallory", "secret", TokenKind.NORMAL)
    await service.record_account_file(issued.access_token, uploaded("file000001", clock))
    await admin.disable("mallory")

    change = await admin.enable("mallory")

    assert change.changed
    again = await service.login("mallory", "secret", TokenKind.NORMAL)
    listing = await service.list_account_files(again.access_token)
    assert [file.file_url for file in listing.files] == ["file000001"]
    with pytest.raises(TokenNotFound):  # the tokens revoked by the disable stay revoked
        await service.validate_token(issued.access_token)


async def test_disable_and_enable_twice_change_nothing_more(service: AuthService, admin) -> None:
    await service.register("mallory", "secret", TokenKind.NORMAL)

    assert (await admin.disable("mallory")).changed
    assert not (await admin.disable("mallory")).changed
    assert (await admin.enable("mallory")).changed
    assert not (await admin.enable("mallory")).changed


async def test_an_unknown_username_is_user_not_found(admin) -> None:
    with pytest.raises(UserNotFound):
        await admin.disable("nobody")
    with pytest.raises(UserNotFound):
        await admin.enable("nobody")


async def test_each_action_is_logged_with_its_operator_and_no_secret(service, admin, caplog) -> None:
    issued = await service.register("mallory", "secret", TokenKind.NORMAL)
    caplog.set_level(logging.INFO, logger="auth_service.admin")

    await admin.disable("mallory")
    await admin.enable("mallory")

    records = [record for record in caplog.records if record.name == "auth_service.admin"]
    assert [record.admin_action for record in records] == ["disable", "enable"]
    assert all(record.operator == "alice-ops" for record in records)
    assert all(record.target == issued.account.account_id for record in records)
    text = caplog.text
    assert "secret" not in text and issued.access_token not in text
