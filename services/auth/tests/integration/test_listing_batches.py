"""ListAccountFilesBatch: the listings a gateway asked for at one moment, in one call, each answered as
ListAccountFiles would answer it alone."""

import grpc
import pytest

from auth_service.entrypoints.server import AuthServer
from fileuploader.auth.v1 import auth_pb2, auth_pb2_grpc
from fileuploader_runtime.request_ids import current_request_id

from .test_file_events import register, uploaded

pytestmark = pytest.mark.integration

Stub = auth_pb2_grpc.AuthServiceStub


def batch(*tokens: str, request_ids: tuple[str, ...] = ()) -> auth_pb2.ListAccountFilesBatchRequest:
    ids = request_ids or ("",) * len(tokens)
    return auth_pb2.ListAccountFilesBatchRequest(
        listings=[
            auth_pb2.BatchedListing(access_token=token, request_id=request_id)
            for token, request_id in zip(tokens, ids, strict=True)
        ]
    )


def refusal(outcome: auth_pb2.ListingOutcome) -> tuple[grpc.StatusCode, str]:
    codes = {code.value[0]: code for code in grpc.StatusCode}
    return codes[outcome.refused.code], outcome.refused.reason


async def test_each_listing_of_a_batch_has_its_own_outcome_in_order(stub: Stub, publisher) -> None:
    alice, bob, carol = (
        await register(stub, "alice"),
        await register(stub, "bob"),
        await register(stub, "carol"),
    )
    await publisher.publish("files.uploaded", uploaded("a1", alice.account.account_id), "e1")
    await publisher.publish("files.uploaded", uploaded("b1", bob.account.account_id), "e2")
    await stub.Logout(auth_pb2.LogoutRequest(access_token=carol.access_token))

    reply = await stub.ListAccountFilesBatch(
        batch(alice.access_token, carol.access_token, "", bob.access_token, "garbage")
    )

    listed_alice, logged_out, empty, listed_bob, forged = reply.outcomes
    assert listed_alice.listed.account == alice.account
    assert [file.file_url for file in listed_alice.listed.files] == ["a1"], "events published before the call"
    assert listed_bob.listed.account == bob.account
    assert [file.file_url for file in listed_bob.listed.files] == ["b1"]
    assert refusal(logged_out) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_NOT_FOUND")
    assert refusal(empty) == (grpc.StatusCode.INVALID_ARGUMENT, "TOKEN_MISSING")
    assert refusal(forged) == (grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")


async def test_an_empty_batch_is_answered_with_no_outcomes(stub: Stub) -> None:
    reply = await stub.ListAccountFilesBatch(batch())

    assert list(reply.outcomes) == []


async def test_each_listing_runs_under_its_own_request_id_and_fails_alone(
    stub: Stub, auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    alice, bob = await register(stub, "alice"), await register(stub, "bob")
    seen: dict[str, str | None] = {}
    list_account_files = auth_server.app.auth.list_account_files

    async def recording(access_token: str):  # type: ignore[no-untyped-def]
        seen[access_token] = current_request_id()
        if access_token == bob.access_token:
            raise RuntimeError("connection string postgresql://user:hunter2@db")
        return await list_account_files(access_token)

    monkeypatch.setattr(auth_server.app.auth, "list_account_files", recording)

    reply = await stub.ListAccountFilesBatch(
        batch(alice.access_token, bob.access_token, request_ids=("req-a", "req-b"))
    )

    assert seen == {alice.access_token: "req-a", bob.access_token: "req-b"}
    assert reply.outcomes[0].listed.account == alice.account
    assert refusal(reply.outcomes[1]) == (grpc.StatusCode.INTERNAL, "AUTH_ERROR_REASON_UNSPECIFIED")
    assert "hunter2" not in reply.outcomes[1].refused.message
    assert "hunter2" in caplog.text
