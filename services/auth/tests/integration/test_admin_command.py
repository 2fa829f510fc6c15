"""`python -m auth_service admin disable|enable` in process, against a real database (SQLite and
PostgreSQL) and a running auth server: what the gateway's calls then answer."""

import argparse
import json
import logging

import grpc
import pytest

from auth_service.entrypoints import admin_cli
from auth_service.settings import Settings
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub
TOKEN_NOT_FOUND = (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_NOT_FOUND")


@pytest.fixture
def admin(settings: Settings, capsys):
    async def run(*arguments: str) -> tuple[int, dict]:
        parser = argparse.ArgumentParser()
        admin_cli.add_arguments(parser)
        status = await admin_cli.run(
            settings, parser.parse_args(["--operator", "ops-1", "--json", *arguments])
        )
        out = capsys.readouterr().out
        return status, json.loads(out) if out else {}

    return run


async def login(stub: Stub, password: str = "secret") -> auth_pb2.IssuedToken:
    return await stub.Login(auth_pb2.LoginRequest(username="mallory", password=password))


async def test_disable_refuses_tokens_and_login_and_enable_lets_login_again(
    auth_server, stub: Stub, admin, rpc_error
) -> None:
    issued = await stub.Register(auth_pb2.RegisterRequest(username="mallory", password="secret"))
    token = issued.access_token

    status, result = await admin("disable", "mallory")

    assert status == 0
    assert result == {
        "username": "mallory",
        "account_id": issued.account.account_id,
        "action": "disable",
        "changed": True,
        "tokens_revoked": 1,
    }
    assert (
        await rpc_error(stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=token)))
        == TOKEN_NOT_FOUND
    )
    assert (
        await rpc_error(stub.ListAccountFiles(auth_pb2.ListAccountFilesRequest(access_token=token)))
        == TOKEN_NOT_FOUND
    )
    assert await rpc_error(stub.Login(auth_pb2.LoginRequest(username="mallory", password="secret"))) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ACCOUNT_DISABLED",
    )
    assert await rpc_error(stub.Login(auth_pb2.LoginRequest(username="mallory", password="wrong"))) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "WRONG_PASSWORD",
    )

    status, result = await admin("enable", "mallory")

    assert status == 0 and result["changed"] is True
    again = await login(stub)
    validated = await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=again.access_token))
    assert validated.account.username == "mallory"
    assert (
        await rpc_error(stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=token)))
        == TOKEN_NOT_FOUND
    )


async def test_delete_finishes_a_disabled_account_and_refuses_an_enabled_one(
    auth_server, stub: Stub, admin, rpc_error
) -> None:
    await stub.Register(auth_pb2.RegisterRequest(username="mallory", password="secret"))

    assert await admin("delete", "mallory") == (admin_cli.EXIT_ERROR, {})
    await login(stub)  # an enabled account is not deleted

    await admin("disable", "mallory")
    status, result = await admin("delete", "mallory")

    assert status == 0 and result["action"] == "delete"
    login_again = stub.Login(auth_pb2.LoginRequest(username="mallory", password="secret"))
    assert await rpc_error(login_again) == (grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
    assert await admin("delete", "mallory") == (admin_cli.EXIT_NO_ACCOUNT, {})
    await stub.Register(auth_pb2.RegisterRequest(username="mallory", password="another"))


async def test_an_unknown_account_exits_1_and_a_bad_operator_2(auth_server, settings, admin) -> None:
    assert await admin("disable", "nobody") == (admin_cli.EXIT_NO_ACCOUNT, {})
    parser = argparse.ArgumentParser()
    admin_cli.add_arguments(parser)
    arguments = parser.parse_args(["--operator", "x\x1b[2J", "disable", "nobody"])
    assert await admin_cli.run(settings, arguments) == admin_cli.EXIT_ERROR


async def test_a_database_not_yet_migrated_is_refused_with_what_to_do(
    make_settings, tmp_path, caplog
) -> None:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    parser = argparse.ArgumentParser()
    admin_cli.add_arguments(parser)
    assert await admin_cli.run(settings, parser.parse_args(["disable", "mallory"])) == admin_cli.EXIT_ERROR
    assert "python -m auth_service migrate" in caplog.text


async def test_the_actions_are_logged_with_the_operator_and_no_secret(
    auth_server, stub, admin, caplog
) -> None:
    issued = await stub.Register(auth_pb2.RegisterRequest(username="mallory", password="secret"))
    caplog.set_level(logging.INFO, logger="auth_service.admin")

    await admin("disable", "mallory")
    await admin("enable", "mallory")

    records = [record for record in caplog.records if record.name == "auth_service.admin"]
    assert [(record.operator, record.admin_action) for record in records] == [
        ("ops-1", "disable"),
        ("ops-1", "enable"),
    ]
    assert issued.access_token not in caplog.text and "secret" not in caplog.text
