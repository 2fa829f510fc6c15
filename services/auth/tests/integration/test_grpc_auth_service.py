import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import jwt
import pytest

from auth_service.entrypoints.server import AuthServer
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader_runtime.request_ids import current_request_id

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub
INVALID = grpc.StatusCode.INVALID_ARGUMENT
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


async def register(
    stub: Stub, username: str = "alice", kind: int = auth_pb2.TOKEN_KIND_NORMAL
) -> auth_pb2.IssuedToken:
    return await stub.Register(
        auth_pb2.RegisterRequest(username=username, password="secret", token_kind=kind)
    )


def expires_in(issued: auth_pb2.IssuedToken) -> timedelta:
    return issued.expires_at.ToDatetime(tzinfo=UTC) - datetime.now(UTC)


async def test_register_returns_a_normal_token_for_five_days(stub: Stub) -> None:
    issued = await register(stub, kind=auth_pb2.TOKEN_KIND_UNSPECIFIED)

    assert issued.account.username == "alice" and issued.account.account_id
    assert issued.token_kind == auth_pb2.TOKEN_KIND_NORMAL
    assert timedelta(days=5) - timedelta(seconds=5) < expires_in(issued) <= timedelta(days=5)


async def test_register_returns_a_bot_token_for_180_days(stub: Stub) -> None:
    issued = await register(stub, kind=auth_pb2.TOKEN_KIND_BOT)

    assert issued.token_kind == auth_pb2.TOKEN_KIND_BOT
    assert timedelta(days=180) - timedelta(seconds=5) < expires_in(issued) <= timedelta(days=180)


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("", "secret", "CREDENTIALS_MISSING"),
        ("alice", "", "CREDENTIALS_MISSING"),
        ("u" * 65, "secret", "USERNAME_TOO_LONG"),
        ("alice", "p" * 1025, "PASSWORD_TOO_LONG"),
        ("al\x00ice", "secret", "USERNAME_INVALID"),
    ],
)
async def test_register_and_login_fail_invalid_argument_for_bad_credentials(
    stub: Stub, rpc_error, username: str, password: str, reason: str
) -> None:
    assert await rpc_error(stub.Register(auth_pb2.RegisterRequest(username=username, password=password))) == (
        INVALID,
        reason,
    )
    assert await rpc_error(stub.Login(auth_pb2.LoginRequest(username=username, password=password))) == (
        INVALID,
        reason,
    )


async def test_register_fails_already_exists_when_the_name_is_taken(stub: Stub, rpc_error) -> None:
    await register(stub)

    assert await rpc_error(stub.Register(auth_pb2.RegisterRequest(username="alice", password="x"))) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "USERNAME_TAKEN",
    )


async def test_register_accepts_one_of_two_concurrent_registrations_of_a_name(stub: Stub, rpc_error) -> None:
    request = auth_pb2.RegisterRequest(username="race", password="secret")

    outcomes = await asyncio.gather(stub.Register(request), stub.Register(request), return_exceptions=True)

    failures = [outcome for outcome in outcomes if isinstance(outcome, grpc.aio.AioRpcError)]
    assert len(failures) == 1
    assert failures[0].code() == grpc.StatusCode.ALREADY_EXISTS


async def test_login_returns_a_token_of_the_requested_kind(stub: Stub) -> None:
    registered = await register(stub)

    logged_in = await stub.Login(
        auth_pb2.LoginRequest(username="alice", password="secret", token_kind=auth_pb2.TOKEN_KIND_BOT)
    )

    assert logged_in.account == registered.account
    assert logged_in.token_kind == auth_pb2.TOKEN_KIND_BOT


async def test_login_fails_not_found_for_an_unknown_user(stub: Stub, rpc_error) -> None:
    assert await rpc_error(stub.Login(auth_pb2.LoginRequest(username="nobody", password="x"))) == (
        grpc.StatusCode.NOT_FOUND,
        "USER_NOT_FOUND",
    )


async def test_login_fails_unauthenticated_for_a_wrong_password(stub: Stub, rpc_error) -> None:
    await register(stub)

    assert await rpc_error(stub.Login(auth_pb2.LoginRequest(username="alice", password="Secret"))) == (
        UNAUTHENTICATED,
        "WRONG_PASSWORD",
    )


async def test_validate_token_returns_the_account_kind_and_expiry(stub: Stub) -> None:
    issued = await register(stub, kind=auth_pb2.TOKEN_KIND_BOT)

    validated = await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=issued.access_token))

    assert (validated.account, validated.token_kind, validated.expires_at) == (
        issued.account,
        auth_pb2.TOKEN_KIND_BOT,
        issued.expires_at,
    )


def forged_tokens(jwt_secret: str) -> dict[str, str]:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "a", "jti": "j", "iat": now, "exp": now + 60, "kind": "normal"}
    return {
        "garbage": "garbage",
        "alg-none": jwt.encode(claims, None, algorithm="none"),
        "other-key": jwt.encode(
            claims, "some-other-secret-that-is-long-enough-0123456789", algorithm="HS256"
        ),
        "missing-claim": jwt.encode(
            {k: v for k, v in claims.items() if k != "jti"}, jwt_secret, algorithm="HS256"
        ),
    }


@pytest.mark.parametrize("forgery", ["garbage", "alg-none", "other-key", "missing-claim"])
async def test_token_rpcs_fail_token_invalid_for_forged_tokens(
    stub: Stub, rpc_error, jwt_secret, forgery
) -> None:
    token = forged_tokens(jwt_secret)[forgery]

    for call in token_calls(stub, token):
        assert await rpc_error(call) == (UNAUTHENTICATED, "TOKEN_INVALID")


def token_calls(stub: Stub, token: str) -> list[grpc.aio.UnaryUnaryCall]:
    return [
        stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=token)),
        stub.RefreshToken(auth_pb2.RefreshTokenRequest(access_token=token)),
        stub.Logout(auth_pb2.LogoutRequest(access_token=token)),
        stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=token)),
    ]


async def test_token_rpcs_fail_token_missing_for_an_empty_token(stub: Stub, rpc_error) -> None:
    for call in token_calls(stub, ""):
        assert await rpc_error(call) == (INVALID, "TOKEN_MISSING")


async def test_token_rpcs_fail_token_expired_for_an_expired_token(stub: Stub, rpc_error, jwt_secret) -> None:
    issued = await register(stub)
    claims = jwt.decode(issued.access_token, jwt_secret, algorithms=["HS256"])
    expired = jwt.encode(claims | {"exp": claims["iat"] - 1}, jwt_secret, algorithm="HS256")

    for call in token_calls(stub, expired):
        assert await rpc_error(call) == (UNAUTHENTICATED, "TOKEN_EXPIRED")


async def test_token_rpcs_fail_token_not_found_after_logout(stub: Stub, rpc_error) -> None:
    issued = await register(stub)
    await stub.Logout(auth_pb2.LogoutRequest(access_token=issued.access_token))

    for call in token_calls(stub, issued.access_token):
        assert await rpc_error(call) == (UNAUTHENTICATED, "TOKEN_NOT_FOUND")


async def test_refresh_token_rotates_the_token_and_keeps_its_kind(stub: Stub, rpc_error) -> None:
    old = await register(stub, kind=auth_pb2.TOKEN_KIND_BOT)

    new = await stub.RefreshToken(auth_pb2.RefreshTokenRequest(access_token=old.access_token))

    assert new.access_token != old.access_token
    assert (new.account, new.token_kind) == (old.account, auth_pb2.TOKEN_KIND_BOT)
    await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=new.access_token))
    assert await rpc_error(
        stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=old.access_token))
    ) == (
        UNAUTHENTICATED,
        "TOKEN_NOT_FOUND",
    )


async def test_refresh_token_succeeds_once_for_two_concurrent_refreshes(stub: Stub) -> None:
    issued = await register(stub)
    request = auth_pb2.RefreshTokenRequest(access_token=issued.access_token)

    outcomes = await asyncio.gather(
        stub.RefreshToken(request), stub.RefreshToken(request), return_exceptions=True
    )

    failures = [outcome for outcome in outcomes if isinstance(outcome, grpc.aio.AioRpcError)]
    assert len(failures) == 1
    assert failures[0].code() == UNAUTHENTICATED


async def test_logout_revokes_only_the_presented_token(stub: Stub) -> None:
    first = await register(stub)
    second = await stub.Login(auth_pb2.LoginRequest(username="alice", password="secret"))

    await stub.Logout(auth_pb2.LogoutRequest(access_token=first.access_token))

    validated = await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=second.access_token))
    assert validated.account == first.account


async def test_list_account_files_returns_the_account_and_no_files_at_first(stub: Stub) -> None:
    issued = await register(stub)

    listing = await stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=issued.access_token))

    assert listing.account == issued.account
    assert list(listing.files) == []


async def test_unexpected_errors_fail_internal_without_details(
    stub: Stub, rpc_error, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    async def broken(access_token: str) -> None:
        raise RuntimeError("connection string postgresql://user:hunter2@db")

    monkeypatch.setattr(auth_server.app.auth, "validate_token", broken)
    call = stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token="x"))

    assert await rpc_error(call) == (grpc.StatusCode.INTERNAL, "AUTH_ERROR_REASON_UNSPECIFIED")
    assert "hunter2" not in await call.details()
    assert "hunter2" in caplog.text


async def test_rpcs_run_under_the_callers_request_id(
    stub: Stub, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    validate = auth_server.app.auth.validate_token

    async def recording(access_token: str):  # type: ignore[no-untyped-def]
        seen.append(current_request_id())
        return await validate(access_token)

    monkeypatch.setattr(auth_server.app.auth, "validate_token", recording)
    issued = await register(stub)

    await stub.ValidateToken(
        auth_pb2.ValidateTokenRequest(access_token=issued.access_token), metadata=(("x-request-id", "req-7"),)
    )

    assert seen == ["req-7"]
