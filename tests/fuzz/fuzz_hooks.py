"""Schemathesis hooks of tests/fuzz (named by `hooks` in schemathesis.toml): the contract's error
shape as a check run on every response, and real tokens for the operations that take one."""

import uuid

import requests
import schemathesis
from schemathesis import AuthContext, Case, CheckContext, Response
from schemathesis.filters import HasAPIOperation

from support.contract import error_body_problem

LOGOUT_PATH = "/api/logout"


@schemathesis.check
def errors_in_contract_shape(ctx: CheckContext, response: Response, case: Case) -> None:
    """Every error answer (a HEAD's excepted: it has no body) is JSON in the contract's error shape."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return
    content_type = response.headers.get("content-type", [None])[0]
    problem = error_body_problem(response.status_code, content_type, response.content)
    if problem is not None:
        raise AssertionError(problem)


def takes_a_token(ctx: HasAPIOperation) -> bool:
    return any(ctx.operation.definition.raw.get("security", []))


@schemathesis.auth(refresh_interval=None).apply_to(takes_a_token)
class FuzzAccount:
    """One account's token for every operation that takes one; logout, which revokes the token it is
    sent, gets a token of its own each time."""

    def __init__(self) -> None:
        self._credentials = {"username": "fuzz-" + uuid.uuid4().hex[:12], "password": uuid.uuid4().hex}
        self._token: str | None = None

    def get(self, case: Case, ctx: AuthContext) -> str:
        base_url = ctx.operation.schema.get_base_url().rstrip("/")
        if self._token is None:
            self._token = self._token_from(base_url + "/api/register")
        if ctx.operation.path == LOGOUT_PATH:
            return self._token_from(base_url + "/api/login")
        return self._token

    def set(self, case: Case, data: str, ctx: AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    def _token_from(self, url: str) -> str:
        response = requests.post(url, json=self._credentials, timeout=30)
        response.raise_for_status()
        return response.json()["accessToken"]
