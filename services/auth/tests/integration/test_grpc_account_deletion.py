"""StartAccountDeletion and FinishAccountDeletion on a real auth server and database."""

import grpc
import pytest

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub


async def register(stub: Stub, username: str = "alice", password: str = "secret") -> str:
    return (await stub.Register(auth_pb2.RegisterRequest(username=username, password=password))).access_token


async def test_an_account_deleted_in_two_steps_frees_its_username(stub: Stub, rpc_error) -> None:
    caller = await register(stub)
    start = auth_pb2.StartAccountDeletionRequest(access_token=caller, password="secret")
    account_id = (await stub.StartAccountDeletion(start)).account_id

    validate = stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=caller))
    assert await rpc_error(validate) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_NOT_FOUND")
    login = stub.Login(auth_pb2.LoginRequest(username="alice", password="secret"))
    assert await rpc_error(login) == (grpc.StatusCode.PERMISSION_DENIED, "ACCOUNT_DISABLED")

    await stub.FinishAccountDeletion(auth_pb2.FinishAccountDeletionRequest(account_id=account_id))
    await stub.FinishAccountDeletion(auth_pb2.FinishAccountDeletionRequest(account_id=account_id))

    login = stub.Login(auth_pb2.LoginRequest(username="alice", password="secret"))
    assert await rpc_error(login) == (grpc.StatusCode.NOT_FOUND, "USER_NOT_FOUND")
    await register(stub, password="another secret")


async def test_a_wrong_password_changes_nothing(stub: Stub, rpc_error) -> None:
    caller = await register(stub)
    start = auth_pb2.StartAccountDeletionRequest(access_token=caller, password="nope")
    refused = await rpc_error(stub.StartAccountDeletion(start))
    assert refused == (grpc.StatusCode.UNAUTHENTICATED, "WRONG_PASSWORD")
    await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=caller))


async def test_an_enabled_account_is_not_finished(stub: Stub, rpc_error) -> None:
    caller = await register(stub)
    validated = await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=caller))
    account_id = validated.account.account_id
    finish = stub.FinishAccountDeletion(auth_pb2.FinishAccountDeletionRequest(account_id=account_id))
    assert await rpc_error(finish) == (grpc.StatusCode.FAILED_PRECONDITION, "ACCOUNT_NOT_DISABLED")
    await stub.ValidateToken(auth_pb2.ValidateTokenRequest(access_token=caller))
