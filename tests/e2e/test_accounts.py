"""Accounts (contract 1.3) and authorization errors (1.1)."""

import base64
import json
import time

import jwt
import pytest

from support.api import assert_auth_error, assert_error, bearer, client, new_username, register, uploaded
from support.postgres import fetch

MISSING = "No username/password provided"


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def lifetime_days(token: str) -> float:
    return (claims(token)["exp"] - time.time()) / 86400


def test_register_then_login(base_url):
    name, password = new_username(), "correct horse battery staple"
    with client(base_url) as c:
        registered = register(c, name, password)
        r = c.post("/api/login", json={"username": name, "password": password})
        assert r.status_code == 200, r.text
        assert c.get("/api/get_files", headers=bearer(r.json()["accessToken"])).status_code == 200
    assert registered["status"] == "success" and registered["username"] == name
    assert registered["accessToken"].count(".") == 2
    assert r.json() == {
        "status": "success",
        "accessToken": r.json()["accessToken"],
        "username": name,
        "message": "logged in with password",
    }


def test_register_of_a_taken_name_is_error_1(base_url):
    name = new_username()
    with client(base_url) as c:
        register(c, name)
        r = c.post("/api/register", json={"username": name, "password": "other"})
    assert_error(r, 400, "An account with this name is already registered", 1)


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "x"},
        {"password": "y"},
        {"username": "", "password": "y"},
        {"username": 5, "password": "y"},
        {"username": "x", "password": None},
        [],
        ["x", "y"],
        "text",
        42,
        3.5,
        True,
        None,
    ],
)
def test_missing_credentials_are_error_2(base_url, path, body):
    with client(base_url) as c:
        assert_error(c.post(path, json=body), 400, MISSING, 2)


NOT_JSON = [
    b"username=x&password=y",
    b'{"username": "x", "password":',
    b"[1, 2",
    b"\xff\xfe{}",
    b"",
    b"nul\x00",
    b'{"username": "x", "password": "y"} trailing',
]


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize("content", NOT_JSON)
def test_body_that_is_not_json_is_error_2(base_url, path, content):
    with client(base_url) as c:
        r = c.post(path, content=content, headers={"Content-Type": "application/json"})
    assert_error(r, 400, MISSING, 2)


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
def test_overlong_username_and_password_are_refused(base_url, path):
    name = new_username()
    with client(base_url) as c:
        register(c, name, "p")
        long_name = c.post(path, json={"username": "u" * 10_000, "password": "p"})
        long_password = c.post(path, json={"username": name, "password": "p" * 10_000})
    assert_error(long_name, 400, "Username is too long (at most 64 characters)")
    assert_error(long_password, 400, "Password is too long (at most 1024 characters)")


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize("username", ["nul\x00name", "line\nbreak", "bell\x07"])
def test_username_with_control_characters_is_refused(base_url, path, username):
    with client(base_url) as c:
        assert_error(
            c.post(path, json={"username": username, "password": "p"}),
            400,
            "Username must not contain control characters",
        )


@pytest.mark.parametrize("padded", ["{} ", " {}", "\u00a0{}", "{}\u3000"])
def test_register_refuses_a_username_with_leading_or_trailing_whitespace(base_url, padded):
    with client(base_url) as c:
        refused = c.post("/api/register", json={"username": padded.format(new_username()), "password": "p"})
    assert_error(refused, 400, "Username must not begin or end with whitespace")


@pytest.mark.parametrize("invisible", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff"])
def test_register_refuses_a_username_with_bidi_or_invisible_format_characters(base_url, invisible):
    name = new_username()
    with client(base_url) as c:
        register(c, name, "p")
        look_alike = c.post(
            "/api/register", json={"username": name[:3] + invisible + name[3:], "password": "p"}
        )
    assert_error(look_alike, 400, "Username must not contain control characters")


def test_register_refuses_a_short_password_and_old_accounts_still_log_in(base_url, strict_gateway):
    early = new_username()
    with client(base_url) as c:
        register(c, early, "short")
    with client(strict_gateway) as c:
        too_short = c.post("/api/register", json={"username": new_username(), "password": "p" * 11})
        long_enough = c.post("/api/register", json={"username": new_username(), "password": "p" * 12})
        old_account = c.post("/api/login", json={"username": early, "password": "short"})
    assert_error(too_short, 400, "Password is too short (at least 12 characters)")
    assert (long_enough.status_code, old_account.status_code) == (200, 200)


def test_login_with_a_wrong_password_is_error_3(base_url):
    name = new_username()
    with client(base_url) as c:
        register(c, name, "right")
        assert_error(
            c.post("/api/login", json={"username": name, "password": "wrong"}), 400, "Wrong password", 3
        )


def test_login_of_an_unknown_user_is_error_4(base_url):
    with client(base_url) as c:
        assert_error(
            c.post("/api/login", json={"username": new_username(), "password": "x"}), 404, "User not found", 4
        )


def test_bot_tokens_live_six_months_and_normal_ones_five_days(base_url):
    name = new_username()
    with client(base_url) as c:
        normal = register(c, name, "pw")["accessToken"]
        bot = c.post("/api/login", params={"bot": "true"}, json={"username": name, "password": "pw"}).json()[
            "accessToken"
        ]
        bot_registered = register(c, bot="true")["accessToken"]
    assert 4.9 < lifetime_days(normal) <= 5
    assert 179.9 < lifetime_days(bot) <= 180 and 179.9 < lifetime_days(bot_registered) <= 180


def test_tokens_carry_exp_iat_jti_and_are_hs256(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert {"exp", "iat", "jti"} <= set(claims(token))


def test_refresh_rotates_the_token(base_url):
    with client(base_url) as c:
        old = register(c)["accessToken"]
        r = c.post("/api/refresh_token", json={"accessToken": old})
        assert r.status_code == 200, r.text
        new = r.json()["accessToken"]
        assert new != old and r.json()["status"] == "success"
        assert c.get("/api/get_files", headers=bearer(new)).status_code == 200
        assert_auth_error(c.get("/api/get_files", headers=bearer(old)), -5, "Token not found")


def test_refresh_accepts_a_bearer_prefix_and_keeps_a_bot_token_a_bot_token(base_url):
    with client(base_url) as c:
        bot = register(c, bot="true")["accessToken"]
        r = c.post("/api/refresh_token", json={"accessToken": f"Bearer {bot}"})
    assert r.status_code == 200, r.text
    assert lifetime_days(r.json()["accessToken"]) > 179


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"accessToken": ""},
        {"accessToken": "Bearer "},
        {"accessToken": 7},
        {"accessToken": None},
        ["x"],
        "token",
        42,
        None,
    ],
)
def test_refresh_without_a_token_is_error_5(base_url, body):
    with client(base_url) as c:
        assert_error(c.post("/api/refresh_token", json=body), 400, "No access token provided", 5)


@pytest.mark.parametrize("content", NOT_JSON)
def test_refresh_with_a_body_that_is_not_json_is_error_5(base_url, content):
    with client(base_url) as c:
        r = c.post("/api/refresh_token", content=content, headers={"Content-Type": "application/json"})
    assert_error(r, 400, "No access token provided", 5)


def test_refresh_of_garbage_is_an_authorization_error(base_url):
    with client(base_url) as c:
        assert_auth_error(
            c.post("/api/refresh_token", json={"accessToken": "garbage"}), -4, "Invalid access token"
        )


def test_logout_revokes_only_the_presented_token(base_url):
    name = new_username()
    with client(base_url) as c:
        first = register(c, name, "pw")["accessToken"]
        second = c.post("/api/login", json={"username": name, "password": "pw"}).json()["accessToken"]
        r = c.post("/api/logout", headers=bearer(first))
        assert r.status_code == 200 and r.json()["status"] == "success"
        assert_auth_error(c.get("/api/get_files", headers=bearer(first)), -5, "Token not found")
        assert_auth_error(c.post("/api/logout", headers=bearer(first)), -5, "Token not found")
        assert c.get("/api/get_files", headers=bearer(second)).status_code == 200


def test_logout_without_a_header_is_error_minus_1(base_url):
    with client(base_url) as c:
        assert_auth_error(c.post("/api/logout"), -1, "No Authorization header provided")


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer a b", "bearer"])
def test_malformed_authorization_header_is_error_minus_2(base_url, header):
    with client(base_url) as c:
        r = c.get("/api/get_files", headers={"Authorization": header})
    assert_auth_error(r, -2, "Authorization header must have Bearer <token> format")


def assert_every_token_route_refuses(c, token: str, error_id: int, message: str) -> None:
    """get_files, logout and refresh answer the 1.1 error; an upload is stored anonymously, carrying it."""
    assert_auth_error(c.get("/api/get_files", headers=bearer(token)), error_id, message)
    assert_auth_error(c.post("/api/logout", headers=bearer(token)), error_id, message)
    assert_auth_error(c.post("/api/refresh_token", json={"accessToken": token}), error_id, message)
    upload = uploaded(c, token=token)
    assert upload["synced"] is False and upload["auth_error"] == {"message": message, "errorId": error_id}


FORGERIES = [
    "not-a-jwt",
    "signature-replaced",
    "tampered-payload",
    "another-key",
    "alg-none",
    "alg-none-keeping-the-signature",
    "hs512-with-the-same-claims",
]


def forged_from(token: str) -> dict[str, str]:
    head, payload, signature = token.split(".")
    tampered = base64.urlsafe_b64encode(json.dumps({**claims(token), "sub": "someone-else"}).encode())
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return {
        "not-a-jwt": "not.a.jwt",
        "signature-replaced": f"{head}.{payload}.{'A' * len(signature)}",
        "tampered-payload": f"{head}.{tampered.rstrip(b'=').decode()}.{signature}",
        "another-key": jwt.encode(
            claims(token), "another key of at least thirty-two bytes", algorithm="HS256"
        ),
        "alg-none": jwt.encode(claims(token), None, algorithm="none"),
        "alg-none-keeping-the-signature": f"{none_header}.{payload}.{signature}",
        "hs512-with-the-same-claims": jwt.encode(claims(token), "x" * 64, algorithm="HS512"),
    }


@pytest.mark.parametrize("forgery", FORGERIES)
def test_tokens_that_do_not_verify_are_error_minus_4_everywhere(base_url, forgery):
    with client(base_url) as c:
        forged = forged_from(register(c)["accessToken"])[forgery]
        assert_every_token_route_refuses(c, forged, -4, "Invalid access token")


def test_refreshed_away_token_is_error_minus_5_everywhere(base_url):
    with client(base_url) as c:
        old = register(c)["accessToken"]
        assert c.post("/api/refresh_token", json={"accessToken": old}).status_code == 200
        assert_every_token_route_refuses(c, old, -5, "Token not found")


def test_logged_out_token_is_error_minus_5_everywhere(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        assert c.post("/api/logout", headers=bearer(token)).status_code == 200
        assert_every_token_route_refuses(c, token, -5, "Token not found")


def test_token_of_a_deleted_account_is_error_minus_5_everywhere(stack, base_url):
    """There is no account deletion API: the account's row goes (its tokens with it, by cascade)."""
    name = new_username()
    with client(base_url) as c:
        token = register(c, name, "pw")["accessToken"]
        fetch(stack.config.auth_database_url, "DELETE FROM accounts WHERE username = $1", name)
        assert_every_token_route_refuses(c, token, -5, "Token not found")
        assert_error(
            c.post("/api/login", json={"username": name, "password": "pw"}), 404, "User not found", 4
        )


def test_expired_token_is_error_minus_3(short_ttl_gateway):
    with client(short_ttl_gateway) as c:
        token = register(c)["accessToken"]
        assert c.get("/api/get_files", headers=bearer(token)).status_code == 200
        time.sleep(3.5)
        assert_auth_error(c.get("/api/get_files", headers=bearer(token)), -3, "Access token expired")
        body = c.post("/api/upload", files={"file": ("a.txt", b"x")}, headers=bearer(token)).json()
    assert body["synced"] is False and body["auth_error"]["errorId"] == -3


@pytest.fixture(scope="module")
def short_ttl_gateway(stack):
    """A second auth replica issuing 2-second tokens (same database and secret), behind a gateway of its own."""
    from stack import free_port

    auth_port, gateway_port = free_port(), free_port()
    auth = stack.start_service(
        "auth",
        instance="auth-short-ttl",
        env={"FU_AUTH_LISTEN_ADDRESS": f"127.0.0.1:{auth_port}", "FU_AUTH_TOKEN_TTL_SECONDS": "2"},
    )
    gateway = stack.start_service(
        "gateway",
        instance="gateway-short-ttl",
        env={"FU_GATEWAY_PORT": str(gateway_port), "FU_GATEWAY_AUTH_ADDRESS": f"127.0.0.1:{auth_port}"},
    )
    url = f"http://127.0.0.1:{gateway_port}"
    wait_ready(url)
    yield url
    gateway.stop()
    auth.stop()


@pytest.fixture(scope="module")
def strict_gateway(stack):
    """A second auth replica asking new accounts for 12-character passwords, behind a gateway of its own."""
    from stack import free_port

    auth_port, gateway_port = free_port(), free_port()
    auth = stack.start_service(
        "auth",
        instance="auth-strict",
        env={"FU_AUTH_LISTEN_ADDRESS": f"127.0.0.1:{auth_port}", "FU_AUTH_MIN_PASSWORD_LENGTH": "12"},
    )
    gateway = stack.start_service(
        "gateway",
        instance="gateway-strict",
        env={"FU_GATEWAY_PORT": str(gateway_port), "FU_GATEWAY_AUTH_ADDRESS": f"127.0.0.1:{auth_port}"},
    )
    url = f"http://127.0.0.1:{gateway_port}"
    wait_ready(url)
    yield url
    gateway.stop()
    auth.stop()


def wait_ready(url: str, timeout: float = 30) -> None:
    from stack import http_status

    deadline = time.monotonic() + timeout
    while http_status(url + "/readyz") != 200:
        assert time.monotonic() < deadline, f"{url} not ready"
        time.sleep(0.1)
