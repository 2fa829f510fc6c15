"""Account deletion's two auth steps: the password starts it (the account disabled, every token
revoked, in one transaction), and finishing it deletes the account, its tokens and its file list."""

import pytest

from auth_service.domain.account_files import FileUploaded
from auth_service.domain.errors import (
    AccountDisabled,
    AccountNotDisabled,
    CredentialsMissing,
    TokenNotFound,
    UserNotFound,
    WrongPassword,
)
from auth_service.domain.model import TokenKind
from auth_service.service import AuthService


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


async def test_starting_refuses_every_token_and_the_login_of_the_account(service: AuthService) -> None:
    issued = await service.register("mallory", "secret", TokenKind.NORMAL)
    bot = await service.login("mallory", "secret", TokenKind.BOT)
    api = await service.create_api_token(issued.access_token, "ci", 0)

    account_id = await service.start_account_deletion(issued.access_token, "secret")

    assert account_id == issued.account.account_id
    for token in (issued.access_token, bot.access_token, api.access_token):
        with pytest.raises(TokenNotFound):
            await service.validate_token(token)
    with pytest.raises(AccountDisabled):
        await service.login("mallory", "secret", TokenKind.NORMAL)


async def test_a_wrong_or_missing_password_changes_nothing(service: AuthService, database) -> None:
    issued = await service.register("mallory", "secret", TokenKind.NORMAL)
    before = database.tables

    with pytest.raises(WrongPassword):
        await service.start_account_deletion(issued.access_token, "not it")
    with pytest.raises(CredentialsMissing):
        await service.start_account_deletion(issued.access_token, "")

    assert database.tables is before
    await service.validate_token(issued.access_token)


async def test_finishing_deletes_the_account_and_its_list_and_frees_the_username(
    service: AuthService, database, clock, file_events
) -> None:
    issued = await service.register("mallory", "secret", TokenKind.NORMAL)
    other = await service.register("trent", "secret", TokenKind.NORMAL)
    await service.record_account_file(issued.access_token, uploaded("file000001", clock))
    await service.record_account_file(other.access_token, uploaded("file000002", clock))
    account_id = await service.start_account_deletion(issued.access_token, "secret")

    await service.finish_account_deletion(account_id)

    assert file_events.waits, "the deletions' events are waited for before the list goes"
    assert account_id not in database.tables.accounts
    assert [f.file_url for f in database.tables.files.values()] == ["file000002"]
    assert all(record.account_id != account_id for record in database.tables.tokens.values())
    with pytest.raises(UserNotFound):
        await service.login("mallory", "secret", TokenKind.NORMAL)
    again = await service.register("mallory", "another secret", TokenKind.NORMAL)
    assert again.account.account_id != account_id
    assert (await service.list_account_files(again.access_token)).files == []
    await service.finish_account_deletion(account_id)  # a retry finds nothing left to do


async def test_an_account_still_enabled_is_not_deleted(service: AuthService) -> None:
    issued = await service.register("mallory", "secret", TokenKind.NORMAL)

    with pytest.raises(AccountNotDisabled):
        await service.finish_account_deletion(issued.account.account_id)

    await service.validate_token(issued.access_token)
