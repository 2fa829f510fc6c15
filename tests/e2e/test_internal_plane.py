"""The internal plane trusts no one: auth's and files' gRPC ports serve only the callers they know
(by their secret tokens, which the stack generates), each only its own methods."""

import grpc
import pytest

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader.files.v1 import files_pb2, files_pb2_grpc
from support.api import client, register, uploaded


def call_with(port: int, token: str | None, make_call):
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            make_call(channel, metadata)
        except grpc.RpcError as error:
            return error.code()
    return grpc.StatusCode.OK


def login(channel, metadata):
    request = auth_pb2.LoginRequest(username="plane-victim", password="secret-password")
    auth_pb2_grpc.AuthServiceStub(channel).Login(request, metadata=metadata, timeout=10)


def list_owned_files(channel, metadata):
    stub = files_pb2_grpc.FilesServiceStub(channel)
    list(stub.ListOwnedFiles(files_pb2.ListOwnedFilesRequest(), metadata=metadata, timeout=10))


@pytest.fixture(scope="module")
def victim(stack):
    with client(stack.gateway_url) as c:
        token = register(c, "plane-victim", "secret-password")["accessToken"]
        uploaded(c, "private.txt", b"private", token=token)
    return token


@pytest.mark.parametrize("who", ["nobody", "a stranger"])
def test_auth_answers_no_caller_but_the_gateway(stack, victim, who):
    token = None if who == "nobody" else "a-token-nobody-was-given-0123456789abcdef"
    assert call_with(stack.config.auth_port, token, login) == grpc.StatusCode.UNAUTHENTICATED
    gateway_token = stack.secrets["gateway-auth-rpc-token"]
    assert call_with(stack.config.auth_port, gateway_token, login) == grpc.StatusCode.OK


@pytest.mark.parametrize("who", ["nobody", "a stranger", "the gateway"])
def test_files_lists_owned_files_and_their_keys_to_auth_alone(stack, victim, who):
    token = {
        "nobody": None,
        "a stranger": "a-token-nobody-was-given-0123456789abcdef",
        "the gateway": stack.secrets["gateway-files-rpc-token"],
    }[who]
    expected = grpc.StatusCode.PERMISSION_DENIED if who == "the gateway" else grpc.StatusCode.UNAUTHENTICATED
    assert call_with(stack.config.files_port, token, list_owned_files) == expected
    auth_token = stack.secrets["auth-files-rpc-token"]
    assert call_with(stack.config.files_port, auth_token, list_owned_files) == grpc.StatusCode.OK


def get_file_info(channel, metadata):
    request = files_pb2.GetFileInfoRequest(file_url="someFileUrl")
    files_pb2_grpc.FilesServiceStub(channel).GetFileInfo(request, metadata=metadata, timeout=10)


# Each service's copy of the gateway's token, and the other service, which must not take it as the gateway's.
IMPERSONATIONS = {
    "auth": ("FU_AUTH_GATEWAY_RPC_TOKEN", "files_port", get_file_info),
    "files": ("FU_FILES_GATEWAY_RPC_TOKEN", "auth_port", login),
}


@pytest.mark.parametrize("holder", IMPERSONATIONS)
def test_no_service_can_pass_for_the_gateway_with_the_token_it_checks_the_gateway_by(stack, victim, holder):
    variable, other_port, make_call = IMPERSONATIONS[holder]
    answer = call_with(getattr(stack.config, other_port), stack.service_env(holder)[variable], make_call)
    assert answer == grpc.StatusCode.UNAUTHENTICATED
