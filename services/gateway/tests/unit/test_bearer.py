import pytest

from gateway.api.deps import bearer_token
from gateway.errors import AuthFailure, AuthorizationError


@pytest.mark.parametrize(
    "header,token",
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("Bearer   abc  ", "abc"),
    ],
)
def test_bearer_token_is_returned_when_header_has_bearer_form(header, token):
    assert bearer_token(header) == token


def test_bearer_token_raises_minus_1_when_header_is_missing():
    with pytest.raises(AuthorizationError) as raised:
        bearer_token(None)
    assert raised.value.failure is AuthFailure.NO_HEADER


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer ", "Token abc", "Bearer a b", "abc", "Basic dXNlcjpwdw=="]
)
def test_bearer_token_raises_minus_2_when_header_is_malformed(header):
    with pytest.raises(AuthorizationError) as raised:
        bearer_token(header)
    assert raised.value.failure is AuthFailure.BAD_HEADER
