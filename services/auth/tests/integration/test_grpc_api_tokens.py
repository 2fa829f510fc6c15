"""CreateApiToken, ListApiTokens, RevokeApiToken and ChangePassword on a real auth server and database."""

from datetime import UTC, datetime, timedelta

import grpc
import pytest

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub


async def register(stub: Stub, username: str = "alice", password: str = "secret") -> str:
    request = auth_pb2.RegisterRequest(username=username, password=password)
    return (await stub.Register(request)).access_token


async def create(
    stub: Stub, token: str, name: str = "ci", seconds: int = 0
) -> auth_pb2.CreateApiTokenResponse:
    request = auth_pb2.CreateApiTokenRequest(access_token=token, name=name, expires_in_seconds=seconds)
    return await stub.CreateApiToken(request)


async def listed(stub: Stub, token: str) -> list[auth_pb2.ApiToken]:
    return list((await stub.ListApiTokens(auth_pb2.ListApiTokensRequest(access_token=token))).tokens)


async def test_an_api_token_validates_lists_files_and_records_its_use(stub: Stub) -> None:
    login = await register(stub)
    created = await create(stub, login, "backup", 3600)
    expires = created.token.expires_at.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=59) < expires <= timedelta(hours=1)
    [before] = await listed(stub, login)
    assert not before.HasField("last_used_at")

    validated = await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=created.access_token))
    await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=created.access_token))

    assert validated.token_kind == auth_pb2.TOKEN_KIND_API and validated.account.username == "alice"
    [after] = await listed(stub, login)
    assert (after.token_id, after.name) == (created.token.token_id, "backup")
    used = after.last_used_at.ToDatetime(tzinfo=UTC)
    assert timedelta(0) <= datetime.now(UTC) - used < timedelta(seconds=10)


async def test_a_revoked_api_token_is_refused_by_the_very_next_call(stub: Stub, rpc_error) -> None:
    login = await register(stub)
    created = await create(stub, login)

    await stub.RevokeApiToken(
        auth_pb2.RevokeApiTokenRequest(access_token=login, token_id=created.token.token_id)
    )

    call = stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=created.access_token))
    assert await rpc_error(call) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_NOT_FOUND")
    again = stub.RevokeApiToken(
        auth_pb2.RevokeApiTokenRequest(access_token=login, token_id=created.token.token_id)
    )
    assert await rpc_error(again) == (grpc.StatusCode.NOT_FOUND, "API_TOKEN_NOT_FOUND")


@pytest.mark.parametrize(
    ("name", "seconds", "reason"),
    [
        ("", 0, "API_TOKEN_NAME_INVALID"),
        ("n" * 101, 0, "API_TOKEN_NAME_INVALID"),
        ("ci", 59, "API_TOKEN_LIFETIME_INVALID"),
        ("ci", 10**12, "API_TOKEN_LIFETIME_INVALID"),
    ],
)
async def test_bad_names_and_lifetimes_are_invalid_arguments(
    stub: Stub, rpc_error, name, seconds, reason
) -> None:
    login = await register(stub)
    call = stub.CreateApiToken(
        auth_pb2.CreateApiTokenRequest(access_token=login, name=name, expires_in_seconds=seconds)
    )
    assert await rpc_error(call) == (grpc.StatusCode.INVALID_ARGUMENT, reason)
    assert await listed(stub, login) == []


async def test_a_password_change_revokes_every_other_token(stub: Stub, rpc_error) -> None:
    caller = await register(stub)
    bot = (
        await stub.Login(
            auth_pb2.LoginRequest(username="alice", password="secret", token_kind=auth_pb2.TOKEN_KIND_BOT)
        )
    ).access_token
    api = (await create(stub, caller)).access_token

    change = auth_pb2.ChangePasswordRequest(access_token=caller, old_password="secret", new_password="better")
    assert (await stub.ChangePassword(change)).revoked_tokens == 2

    for revoked in (bot, api):
        call = stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=revoked))
        assert await rpc_error(call) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_NOT_FOUND")
    await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=caller))
    await stub.Login(auth_pb2.LoginRequest(username="alice", password="better"))


async def test_a_wrong_old_password_is_refused_and_changes_nothing(stub: Stub, rpc_error) -> None:
    caller = await register(stub)
    change = auth_pb2.ChangePasswordRequest(access_token=caller, old_password="nope", new_password="better")
    assert await rpc_error(stub.ChangePassword(change)) == (grpc.StatusCode.UNAUTHENTICATED, "WRONG_PASSWORD")
    await stub.Login(auth_pb2.LoginRequest(username="alice", password="secret"))
