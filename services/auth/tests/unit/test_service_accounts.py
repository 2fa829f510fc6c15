from datetime import timedelta

import pytest

from auth_service.domain.errors import (
    CredentialsMissing,
    PasswordTooLong,
    PasswordTooShort,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    TokenNotFound,
    UsernameInvalid,
    UsernameTaken,
    UsernameTooLong,
    UsernameUntrimmed,
    UserNotFound,
    WrongPassword,
)
from auth_service.domain.model import TokenKind, hash_token
from auth_service.service import AuthService


async def test_register_creates_the_account_and_a_valid_token(service: AuthService, clock) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)

    validated = await service.validate_token(issued.access_token)
    assert validated.account == issued.account
    assert issued.account.username == "alice"
    assert validated.kind is TokenKind.NORMAL
    assert issued.expires_at == validated.expires_at == clock.now() + timedelta(days=5)


async def test_register_gives_a_bot_token_the_bot_lifetime(service: AuthService, clock) -> None:
    issued = await service.register("robot", "secret", TokenKind.BOT)

    assert issued.kind is TokenKind.BOT
    assert issued.expires_at == clock.now() + timedelta(days=180)


async def test_register_stores_only_the_hash_of_the_password_and_token(
    service: AuthService, database
) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)

    assert database.tables.accounts[issued.account.account_id].password_hash == "1$secret"
    assert list(database.tables.tokens) == [hash_token(issued.access_token)]


async def test_register_raises_username_taken_when_the_name_exists(service: AuthService) -> None:
    await service.register("alice", "secret", TokenKind.NORMAL)

    with pytest.raises(UsernameTaken):
        await service.register("alice", "other", TokenKind.NORMAL)


async def test_register_treats_usernames_case_sensitively(service: AuthService) -> None:
    await service.register("alice", "secret", TokenKind.NORMAL)

    assert (await service.register("Alice", "secret", TokenKind.NORMAL)).account.username == "Alice"


@pytest.mark.parametrize(
    ("username", "password", "error"),
    [
        ("", "secret", CredentialsMissing),
        ("u" * 65, "secret", UsernameTooLong),
        ("bob", "p" * 1025, PasswordTooLong),
        ("b\x00b", "secret", UsernameInvalid),
    ],
)
async def test_register_and_login_reject_bad_credentials_before_anything_else(
    service: AuthService, database, username: str, password: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await service.register(username, password, TokenKind.NORMAL)
    with pytest.raises(error):
        await service.login(username, password, TokenKind.NORMAL)
    assert database.commits == 0


async def test_login_issues_a_new_token_when_the_password_matches(service: AuthService) -> None:
    registered = await service.register("alice", "secret", TokenKind.NORMAL)

    logged_in = await service.login("alice", "secret", TokenKind.BOT)

    assert logged_in.account == registered.account
    assert logged_in.kind is TokenKind.BOT
    assert logged_in.access_token != registered.access_token
    await service.validate_token(registered.access_token)


async def test_login_raises_user_not_found_after_a_dummy_check_when_unknown(
    service: AuthService, passwords
) -> None:
    with pytest.raises(UserNotFound):
        await service.login("nobody", "guess", TokenKind.NORMAL)

    assert passwords.dummy_checks == ["guess"]


async def test_login_raises_wrong_password_when_it_does_not_match(service: AuthService, database) -> None:
    await service.register("alice", "secret", TokenKind.NORMAL)

    with pytest.raises(WrongPassword):
        await service.login("alice", "Secret", TokenKind.NORMAL)
    assert len(database.tables.tokens) == 1


async def test_login_rehashes_the_password_when_the_hash_is_outdated(
    service: AuthService, passwords, database
) -> None:
    account = (await service.register("alice", "secret", TokenKind.NORMAL)).account
    passwords.generation = 2

    await service.login("alice", "secret", TokenKind.NORMAL)

    assert database.tables.accounts[account.account_id].password_hash == "2$secret"


async def test_login_keeps_the_hash_when_it_is_current(service: AuthService, database) -> None:
    account = (await service.register("alice", "secret", TokenKind.NORMAL)).account

    await service.login("alice", "secret", TokenKind.NORMAL)

    assert database.tables.accounts[account.account_id].password_hash == "1$secret"


async def test_refresh_token_revokes_the_old_token_and_keeps_its_kind(service: AuthService) -> None:
    old = await service.register("robot", "secret", TokenKind.BOT)

    new = await service.refresh_token(old.access_token)

    assert new.kind is TokenKind.BOT
    assert new.access_token != old.access_token
    assert (await service.validate_token(new.access_token)).account == old.account
    with pytest.raises(TokenNotFound):
        await service.validate_token(old.access_token)


async def test_refresh_token_raises_not_found_when_already_refreshed(service: AuthService) -> None:
    old = await service.register("alice", "secret", TokenKind.NORMAL)
    await service.refresh_token(old.access_token)

    with pytest.raises(TokenNotFound):
        await service.refresh_token(old.access_token)


async def test_tokens_issued_in_the_same_second_differ(service: AuthService) -> None:
    first = await service.register("alice", "secret", TokenKind.NORMAL)

    second = await service.login("alice", "secret", TokenKind.NORMAL)
    third = await service.refresh_token(second.access_token)

    assert len({first.access_token, second.access_token, third.access_token}) == 3


async def test_logout_revokes_only_the_presented_token(service: AuthService) -> None:
    first = await service.register("alice", "secret", TokenKind.NORMAL)
    second = await service.login("alice", "secret", TokenKind.NORMAL)

    await service.logout(first.access_token)

    with pytest.raises(TokenNotFound):
        await service.validate_token(first.access_token)
    await service.validate_token(second.access_token)


async def test_logout_raises_not_found_when_already_logged_out(service: AuthService) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)
    await service.logout(issued.access_token)

    with pytest.raises(TokenNotFound):
        await service.logout(issued.access_token)


@pytest.mark.parametrize("use_case", ["validate_token", "refresh_token", "logout", "list_account_files"])
async def test_token_use_cases_raise_missing_when_the_token_is_empty(
    service: AuthService, use_case: str
) -> None:
    with pytest.raises(TokenMissing):
        await getattr(service, use_case)("")


@pytest.mark.parametrize("use_case", ["validate_token", "refresh_token", "logout", "list_account_files"])
async def test_token_use_cases_raise_invalid_when_the_token_is_garbage(
    service: AuthService, use_case: str
) -> None:
    with pytest.raises(TokenInvalid):
        await getattr(service, use_case)("not-a-token")


async def test_validate_token_raises_expired_before_looking_the_token_up(
    service: AuthService, clock, database
) -> None:
    clock.advance(-timedelta(days=6))
    issued = await service.register("alice", "secret", TokenKind.NORMAL)
    database.tables.tokens.clear()

    with pytest.raises(TokenExpired):
        await service.validate_token(issued.access_token)


async def test_validate_token_raises_not_found_when_the_account_is_gone(
    service: AuthService, database
) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)
    database.tables.accounts.clear()

    with pytest.raises(TokenNotFound):
        await service.validate_token(issued.access_token)


async def test_purge_expired_tokens_deletes_only_expired_records(
    service: AuthService, clock, database
) -> None:
    normal = await service.register("alice", "secret", TokenKind.NORMAL)
    bot = await service.register("robot", "secret", TokenKind.BOT)
    clock.advance(timedelta(days=5))

    assert await service.purge_expired_tokens() == 1

    assert list(database.tables.tokens) == [hash_token(bot.access_token)]
    assert hash_token(normal.access_token) not in database.tables.tokens


async def test_register_refuses_a_password_under_the_minimum_login_does_not(make_service) -> None:
    await make_service().register("early", "short", TokenKind.NORMAL)
    strict = make_service(min_password_length=12)

    with pytest.raises(PasswordTooShort):
        await strict.register("late", "elevenchars", TokenKind.NORMAL)
    assert (await strict.login("early", "short", TokenKind.NORMAL)).account.username == "early"
    assert (await strict.register("late", "twelve chars", TokenKind.NORMAL)).account.username == "late"


async def test_register_refuses_an_untrimmed_username_and_stores_nothing(
    service: AuthService, database
) -> None:
    with pytest.raises(UsernameUntrimmed):
        await service.register("alice ", "secret", TokenKind.NORMAL)

    assert not database.tables.accounts
