"""Accounts (contract 1.3) and authorization errors (1.1)."""
import base64
import json
import time

import jwt
import pytest

from support.api import assert_auth_error, assert_error, bearer, client, new_username, register

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
    assert r.json() == {"status": "success", "accessToken": r.json()["accessToken"], "username": name,
                        "message": "logged in with password"}


def test_register_of_a_taken_name_is_error_1(base_url):
    name = new_username()
    with client(base_url) as c:
        register(c, name)
        r = c.post("/api/register", json={"username": name, "password": "other"})
    assert_error(r, 400, "An account with this name is already registered", 1)


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
@pytest.mark.parametrize("body", [{}, {"username": "x"}, {"password": "y"}, {"username": "", "password": "y"},
                                  {"username": 5, "password": "y"}, [], "text", None])
def test_missing_credentials_are_error_2(base_url, path, body):
    with client(base_url) as c:
        assert_error(c.post(path, json=body), 400, MISSING, 2)


@pytest.mark.parametrize("path", ["/api/register", "/api/login"])
def test_body_that_is_not_json_is_error_2(base_url, path):
    with client(base_url) as c:
        r = c.post(path, content=b"username=x&password=y", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 400, MISSING, 2)


def test_overlong_username_and_password_are_refused(base_url):
    with client(base_url) as c:
        long_name = c.post("/api/register", json={"username": "u" * 10_000, "password": "p"})
        long_password = c.post("/api/register", json={"username": new_username(), "password": "p" * 10_000})
    assert long_name.status_code == 400 and "too long" in long_name.json()["message"]
    assert long_password.status_code == 400 and "too long" in long_password.json()["message"]


def test_login_with_a_wrong_password_is_error_3(base_url):
    name = new_username()
    with client(base_url) as c:
        register(c, name, "right")
        assert_error(c.post("/api/login", json={"username": name, "password": "wrong"}), 400, "Wrong password", 3)


def test_login_of_an_unknown_user_is_error_4(base_url):
    with client(base_url) as c:
        assert_error(c.post("/api/login", json={"username": new_username(), "password": "x"}), 404, "User not found", 4)


def test_bot_tokens_live_six_months_and_normal_ones_five_days(base_url):
    name = new_username()
    with client(base_url) as c:
        normal = register(c, name, "pw")["accessToken"]
        bot = c.post("/api/login", params={"bot": "true"}, json={"username": name, "password": "pw"}).json()["accessToken"]
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


@pytest.mark.parametrize("body", [{}, {"accessToken": ""}, {"accessToken": 7}, ["x"]])
def test_refresh_without_a_token_is_error_5(base_url, body):
    with client(base_url) as c:
        assert_error(c.post("/api/refresh_token", json=body), 400, "No access token provided", 5)


def test_refresh_of_garbage_is_an_authorization_error(base_url):
    with client(base_url) as c:
        assert_auth_error(c.post("/api/refresh_token", json={"accessToken": "garbage"}), -4, "Invalid access token")


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


def test_tokens_that_do_not_verify_are_error_minus_4(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        head, payload, signature = token.split(".")
        tampered_payload = base64.urlsafe_b64encode(json.dumps({**claims(token), "sub": "someone-else"}).encode()).rstrip(b"=").decode()
        forged = [
            "not.a.jwt",
            f"{head}.{payload}.{'A' * len(signature)}",
            f"{head}.{tampered_payload}.{signature}",
            jwt.encode(claims(token), "another key of at least thirty-two bytes", algorithm="HS256"),
            jwt.encode(claims(token), None, algorithm="none"),
        ]
        for bad in forged:
            assert_auth_error(c.get("/api/get_files", headers=bearer(bad)), -4, "Invalid access token")


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
    auth = stack.start_service("auth", instance="auth-short-ttl", env={
        "FU_AUTH_LISTEN_ADDRESS": f"127.0.0.1:{auth_port}", "FU_AUTH_TOKEN_TTL_SECONDS": "2"})
    gateway = stack.start_service("gateway", instance="gateway-short-ttl", env={
        "FU_GATEWAY_PORT": str(gateway_port), "FU_GATEWAY_AUTH_ADDRESS": f"127.0.0.1:{auth_port}"})
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
