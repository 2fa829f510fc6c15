"""Only files may publish file events: the stack's NATS refuses a connection without a user, and a
forged FileUploaded from any other user (auth's own, say) never reaches the stream nor a victim's list."""

import asyncio
import time
import uuid

import grpc
import nats
import nats.errors
import pytest

from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader.events.v1 import file_events_pb2
from support.api import client, get_files, register


def forged_upload(owner_account_id: str) -> bytes:
    return file_events_pb2.FileUploaded(
        event_id=uuid.uuid4().hex,
        file_url="forgedFile",
        owner_account_id=owner_account_id,
        delete_key=str(uuid.uuid4()),
        ext=".txt",
        user_filename="planted.txt",
        size=1,
        sha256="0" * 64,
    ).SerializeToString()


def account_id(stack, access_token: str) -> str:
    metadata = (("authorization", f"Bearer {stack.secrets['gateway-auth-rpc-token']}"),)
    with grpc.insecure_channel(f"127.0.0.1:{stack.config.auth_port}") as channel:
        request = auth_pb2.ValidateTokenRequest(access_token=access_token)
        reply = auth_pb2_grpc.AuthServiceStub(channel).ValidateToken(request, metadata=metadata, timeout=10)
    return reply.account.account_id


async def publish_as(url: str, credentials: dict[str, str], payload: bytes) -> None:
    nc = await nats.connect(url, allow_reconnect=False, connect_timeout=5, **credentials)
    try:
        await nc.jetstream(timeout=2).publish("files.uploaded", payload, stream="FILE_EVENTS")
    finally:
        await nc.close()


def test_nats_refuses_a_connection_without_credentials(stack):
    with pytest.raises((nats.errors.Error, OSError)):
        asyncio.run(publish_as(stack.nats_url, {}, forged_upload("anyone")))


@pytest.mark.parametrize("credentials", ["auth's", "wrong"])
def test_a_forged_file_event_from_another_user_never_reaches_a_list(stack, credentials):
    with client(stack.gateway_url) as c:
        victim = register(c)
        owner = {
            "auth's": stack.nats_credentials("auth"),
            "wrong": {"user": "files", "password": "not-the-password"},
        }[credentials]
        forged = forged_upload(account_id(stack, victim["accessToken"]))
        with pytest.raises((nats.errors.Error, OSError, TimeoutError)):
            asyncio.run(publish_as(stack.nats_url, owner, forged))
        time.sleep(1)  # auth applies an event well within this when it gets one
        assert get_files(c, victim["accessToken"]) == []
