"""API tokens and password changes through the use cases, on the in-memory doubles."""

from datetime import timedelta

import pytest

from auth_service.domain.errors import (
    ApiTokenLifetimeInvalid,
    ApiTokenNameInvalid,
    ApiTokenNotFound,
    CredentialsMissing,
    PasswordTooLong,
    PasswordTooShort,
    TokenExpired,
    TokenNotFound,
    WrongPassword,
)
from auth_service.domain.model import TokenKind, hash_token
from auth_service.service import AuthService

YEAR = timedelta(days=365)


async def signed_in(service: AuthService, username: str = "alice", kind: TokenKind = TokenKind.NORMAL) -> str:
    return (await service.register(username, "secret", kind)).access_token


async def test_an_api_token_is_accepted_wherever_a_login_token_is(service: AuthService, clock) -> None:
    login = await signed_in(service)

    issued = await service.create_api_token(login, "backup script", 7200)

    validated = await service.validate_token(issued.access_token)
    assert validated.account.username == "alice" and validated.kind is TokenKind.API
    assert (await service.list_account_files(issued.access_token)).account.username == "alice"
    assert issued.token.name == "backup script"
    assert (issued.token.created_at, issued.token.expires_at) == (
        clock.now(),
        clock.now() + timedelta(hours=2),
    )


async def test_without_a_lifetime_an_api_token_lives_the_longest_allowed(service: AuthService, clock) -> None:
    issued = await service.create_api_token(await signed_in(service), "ci", 0)
    assert issued.token.expires_at == clock.now() + YEAR


async def test_only_a_hash_of_an_api_token_is_stored(service: AuthService, database) -> None:
    issued = await service.create_api_token(await signed_in(service), "ci", 0)

    [stored] = database.tables.api_tokens.values()
    assert stored.token_hash == hash_token(issued.access_token)
    assert issued.access_token not in repr(database.tables)


async def test_api_tokens_are_listed_newest_first_and_only_the_accounts_own(
    service: AuthService, clock
) -> None:
    alice = await signed_in(service)
    first = await service.create_api_token(alice, "one", 0)
    clock.advance(timedelta(seconds=5))
    second = await service.create_api_token(alice, "two", 0)
    await service.create_api_token(await signed_in(service, "bob"), "bob's", 0)

    listed = await service.list_api_tokens(alice)

    assert [token.token_id for token in listed] == [second.token.token_id, first.token.token_id]
    assert [token.name for token in listed] == ["two", "one"]


async def test_an_expired_api_token_is_refused_and_no_longer_listed(service: AuthService, clock) -> None:
    alice = await signed_in(service)
    issued = await service.create_api_token(alice, "short", 60)
    clock.advance(timedelta(seconds=61))

    assert await service.list_api_tokens(alice) == []
    with pytest.raises(TokenExpired):
        service._tokens.decode(issued.access_token)


async def test_a_revoked_api_token_is_refused_at_once(service: AuthService) -> None:
    alice = await signed_in(service)
    issued = await service.create_api_token(alice, "ci", 0)

    await service.revoke_api_token(alice, issued.token.token_id)

    with pytest.raises(TokenNotFound):
        await service.validate_token(issued.access_token)
    assert await service.list_api_tokens(alice) == []
    await service.validate_token(alice)


async def test_another_accounts_api_token_cannot_be_revoked(service: AuthService) -> None:
    issued = await service.create_api_token(await signed_in(service, "alice"), "ci", 0)
    bob = await signed_in(service, "bob")

    with pytest.raises(ApiTokenNotFound):
        await service.revoke_api_token(bob, issued.token.token_id)
    with pytest.raises(ApiTokenNotFound):
        await service.revoke_api_token(bob, "no-such-id")
    await service.validate_token(issued.access_token)


@pytest.mark.parametrize("name", ["", "x" * 101, "tab\there", "nul\x00"])
async def test_an_api_token_name_must_be_1_to_100_printable_characters(
    service: AuthService, database, name
) -> None:
    alice = await signed_in(service)
    with pytest.raises(ApiTokenNameInvalid):
        await service.create_api_token(alice, name, 0)
    assert database.tables.api_tokens == {}


@pytest.mark.parametrize("seconds", [1, 59, int(YEAR.total_seconds()) + 1, 2**64 - 1])
async def test_an_api_token_lifetime_out_of_bounds_is_refused(
    service: AuthService, database, seconds
) -> None:
    with pytest.raises(ApiTokenLifetimeInvalid) as raised:
        await service.create_api_token(await signed_in(service), "ci", seconds)
    assert raised.value.details == {"min_seconds": "60", "max_seconds": str(int(YEAR.total_seconds()))}
    assert database.tables.api_tokens == {}


async def test_use_of_an_api_token_is_recorded_at_most_once_a_minute(
    service: AuthService, database, clock
) -> None:
    issued = await service.create_api_token(await signed_in(service), "ci", 0)
    first_use = clock.now()

    await service.validate_token(issued.access_token)
    writes = database.commits
    clock.advance(timedelta(seconds=30))
    await service.validate_token(issued.access_token)
    await service.list_account_files(issued.access_token)
    assert database.commits == writes
    assert [t.last_used_at for t in database.tables.api_tokens.values()] == [first_use]

    clock.advance(timedelta(seconds=31))
    await service.list_account_files(issued.access_token)
    assert [t.last_used_at for t in database.tables.api_tokens.values()] == [clock.now()]


async def test_a_login_token_costs_no_write_when_used(service: AuthService, database) -> None:
    alice = await signed_in(service)
    commits, units = database.commits, database.units_of_work

    await service.validate_token(alice)
    await service.list_account_files(alice)

    assert (database.commits, database.units_of_work - units) == (commits, 2)


async def test_refreshing_an_api_token_rotates_it_keeping_its_id_name_and_expiry(
    service: AuthService,
) -> None:
    alice = await signed_in(service)
    issued = await service.create_api_token(alice, "ci", 7200)

    refreshed = await service.refresh_token(issued.access_token)

    assert refreshed.kind is TokenKind.API and refreshed.expires_at == issued.token.expires_at
    with pytest.raises(TokenNotFound):
        await service.validate_token(issued.access_token)
    [listed] = await service.list_api_tokens(alice)
    assert (listed.token_id, listed.name, listed.expires_at) == (
        issued.token.token_id,
        "ci",
        issued.token.expires_at,
    )
    assert listed.token_hash == hash_token(refreshed.access_token)


async def test_logging_out_an_api_token_revokes_it(service: AuthService) -> None:
    alice = await signed_in(service)
    issued = await service.create_api_token(alice, "ci", 0)
    await service.logout(issued.access_token)
    assert await service.list_api_tokens(alice) == []


async def test_a_password_change_revokes_every_other_token_and_keeps_the_callers(
    service: AuthService,
) -> None:
    caller = await signed_in(service)
    other_login = (await service.login("alice", "secret", TokenKind.NORMAL)).access_token
    bot = (await service.login("alice", "secret", TokenKind.BOT)).access_token
    api = (await service.create_api_token(caller, "ci", 0)).access_token
    bob = await signed_in(service, "bob")

    assert await service.change_password(caller, "secret", "new secret") == 3

    for revoked in (other_login, bot, api):
        with pytest.raises(TokenNotFound):
            await service.validate_token(revoked)
    await service.validate_token(caller)
    await service.validate_token(bob)
    with pytest.raises(WrongPassword):
        await service.login("alice", "secret", TokenKind.NORMAL)
    await service.login("alice", "new secret", TokenKind.NORMAL)


async def test_a_password_change_made_with_an_api_token_keeps_that_token(service: AuthService) -> None:
    login = await signed_in(service)
    api = await service.create_api_token(login, "ci", 0)

    assert await service.change_password(api.access_token, "secret", "new secret") == 1

    assert [t.token_id for t in await service.list_api_tokens(api.access_token)] == [api.token.token_id]


async def test_a_wrong_old_password_changes_nothing(service: AuthService, database) -> None:
    caller = await signed_in(service)
    other = (await service.login("alice", "secret", TokenKind.NORMAL)).access_token
    before = database.tables

    with pytest.raises(WrongPassword):
        await service.change_password(caller, "not it", "new secret")

    assert database.tables is before
    await service.validate_token(other)


@pytest.mark.parametrize(
    "old,new,error",
    [
        ("", "new", CredentialsMissing),
        ("secret", "", CredentialsMissing),
        ("secret", "x" * 1025, PasswordTooLong),
        ("secret", "short", PasswordTooShort),
    ],
)
async def test_a_new_password_follows_the_rules_of_register(make_service, old, new, error) -> None:
    service = make_service(min_password_length=6)
    caller = (await service.register("alice", "secret", TokenKind.NORMAL)).access_token
    with pytest.raises(error):
        await service.change_password(caller, old, new)
    await service.login("alice", "secret", TokenKind.NORMAL)
