"""CallerGate around fake handlers: who may call what (each service's integration tests run it for real)."""

from typing import Any

import grpc
import pytest

from fileuploader_runtime.caller_gate import CallerGate

GATEWAY_TOKEN = "g" * 32
AUTH_TOKEN = "a" * 32
UPLOAD = "/fileuploader.files.v1.FilesService/UploadFile"
CLAIM = "/fileuploader.files.v1.FilesService/ClaimFiles"
HEALTH = "/grpc.health.v1.Health/Check"


class Details:
    def __init__(self, method: str, token: str | None) -> None:
        self.method = method
        self.invocation_metadata = (("authorization", f"Bearer {token}"),) if token else ()


class Aborted(Exception):
    pass


class FakeContext:
    async def abort(self, code: grpc.StatusCode, message: str) -> None:
        raise Aborted(code, message)


async def served(_request: Any, _context: Any) -> str:
    return "served"


GATE = CallerGate(
    {"gateway": GATEWAY_TOKEN, "auth": AUTH_TOKEN, "unconfigured": None},
    {"gateway": {UPLOAD}, "auth": {CLAIM}},
)


async def outcome(method: str, token: str | None) -> object:
    handler = grpc.unary_unary_rpc_method_handler(served)

    async def continuation(_details: Any) -> grpc.RpcMethodHandler:
        return handler

    gated = await GATE.intercept_service(continuation, Details(method, token))
    try:
        return await gated.unary_unary("request", FakeContext())
    except Aborted as refusal:
        return refusal.args[0]


@pytest.mark.parametrize(
    ("method", "token", "expected"),
    [
        (UPLOAD, GATEWAY_TOKEN, "served"),
        (CLAIM, AUTH_TOKEN, "served"),
        (CLAIM, GATEWAY_TOKEN, grpc.StatusCode.PERMISSION_DENIED),
        (UPLOAD, None, grpc.StatusCode.UNAUTHENTICATED),
        (UPLOAD, "x" * 32, grpc.StatusCode.UNAUTHENTICATED),
        (UPLOAD, GATEWAY_TOKEN[:-1], grpc.StatusCode.UNAUTHENTICATED),
        (HEALTH, None, "served"),
    ],
)
async def test_each_caller_may_call_only_its_methods(
    method: str, token: str | None, expected: object
) -> None:
    assert await outcome(method, token) == expected


def test_a_caller_without_a_token_is_nobody() -> None:
    assert GATE.caller_of((("authorization", "Bearer "),)) is None
    assert GATE.caller_of((("authorization", f"Basic {GATEWAY_TOKEN}"),)) is None
    assert GATE.caller_of((("authorization", f"Bearer {AUTH_TOKEN}"),)) == "auth"
