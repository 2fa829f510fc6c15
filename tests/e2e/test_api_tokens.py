"""Issue 11 with the services as processes: API tokens and password changes revoke at once through two
gateways (each with its own auth replica), and deletes carry their key in a header, out of every log.

    gateway-1 -> auth-1, files        gateway-2 -> auth-2, files
"""

import dataclasses
import uuid

import pytest

from stack import Stack, free_port, http_status
from support.api import (
    assert_auth_error,
    assert_error,
    bearer,
    client,
    get_files,
    listed,
    register,
    uploaded,
)
from support.stacks import UNLIMITED_RATES, running_stack, stack_config
from support.waiting import wait_until

PASSWORD = "a good password"


@dataclasses.dataclass
class TwoGateways:
    stack: Stack
    urls: list[str]


@pytest.fixture(scope="module")
def gateways(tmp_path_factory, postgres_server):
    config = stack_config(tmp_path_factory.mktemp("tokens"), postgres_server, **UNLIMITED_RATES)
    with running_stack(config, postgres_server) as stack:
        auth_2 = f"127.0.0.1:{free_port()}"
        stack.start_service(
            "auth", instance="auth-2", env={"FU_AUTH_LISTEN_ADDRESS": auth_2, "FU_AUTH_METRICS_PORT": "0"}
        )
        port = free_port()
        stack.start_service(
            "gateway",
            instance="gateway-2",
            env={
                "FU_GATEWAY_PORT": str(port),
                "FU_GATEWAY_AUTH_ADDRESS": auth_2,
                "FU_GATEWAY_FILES_ADDRESS": f"127.0.0.1:{config.files_port}",
                "FU_GATEWAY_METRICS_PORT": "0",
            },
        )
        second = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_status(second + "/readyz") == 200, 30, f"{second} ready")
        yield TwoGateways(stack, [stack.gateway_url, second])


def create_token(c, token: str, name: str = "ci", **body) -> dict:
    r = c.post("/api/tokens", headers=bearer(token), json={"name": name, **body})
    assert r.status_code == 200, r.text
    return r.json()


def test_an_api_token_works_on_both_gateways_and_its_revocation_holds_on_both_at_once(gateways):
    one, two = gateways.urls
    with client(one) as a, client(two) as b:
        login = register(a)["accessToken"]
        api = create_token(a, login, "backup script")
        file = uploaded(b, "by-api.txt", b"uploaded with an API token", token=api["token"])
        assert file["synced"] is True
        assert listed(a, api["token"]) == listed(b, api["token"]) == [file["file_url"]]
        [shown] = b.get("/api/tokens", headers=bearer(login)).json()["data"]
        assert (shown["id"], shown["name"]) == (api["id"], "backup script")
        assert shown["last_used_at"] is not None and api["token"] not in str(shown)

        revoked = b.delete(f"/api/tokens/{api['id']}", headers=bearer(login))

        assert revoked.status_code == 200, revoked.text
        for c in (a, b):  # the very next request, on either gateway
            assert_auth_error(c.get("/api/get_files", headers=bearer(api["token"])), -5, "Token not found")
            r = c.post("/api/upload", files={"file": ("x.txt", b"x")}, headers=bearer(api["token"]))
            assert r.json()["synced"] is False and r.json()["auth_error"]["errorId"] == -5
        assert a.get("/api/tokens", headers=bearer(login)).json()["data"] == []
        assert listed(a, login) == [file["file_url"]]


def test_another_accounts_token_id_is_404_and_stays_valid(gateways):
    one, two = gateways.urls
    with client(one) as a, client(two) as b:
        alice = register(a)["accessToken"]
        bob = register(b)["accessToken"]
        api = create_token(a, alice)

        assert_error(b.delete(f"/api/tokens/{api['id']}", headers=bearer(bob)), 404, "API token not found")
        assert_error(
            b.delete(f"/api/tokens/{uuid.uuid4().hex}", headers=bearer(bob)), 404, "API token not found"
        )
        assert get_files(b, api["token"]) == []


def test_a_password_change_revokes_every_other_token_on_both_gateways(gateways):
    one, two = gateways.urls
    with client(one) as a, client(two) as b:
        registered = register(a)
        username, caller = registered["username"], registered["accessToken"]
        other = b.post("/api/login", json={"username": username, "password": PASSWORD}).json()["accessToken"]
        bot = b.post(
            "/api/login", params={"bot": "true"}, json={"username": username, "password": PASSWORD}
        ).json()["accessToken"]
        api = create_token(b, other)["token"]

        wrong = b.post(
            "/api/password", headers=bearer(caller), json={"old_password": "nope", "new_password": "x"}
        )
        assert_error(wrong, 403, "Wrong password", 3)
        assert get_files(a, other) == []

        r = b.post(
            "/api/password",
            headers=bearer(caller),
            json={"old_password": PASSWORD, "new_password": "an even better password"},
        )

        assert r.status_code == 200 and r.json()["revoked_tokens"] == 3, r.text
        for c in (a, b):
            for revoked in (other, bot, api):
                assert_auth_error(c.get("/api/get_files", headers=bearer(revoked)), -5, "Token not found")
            assert get_files(c, caller) == []
        old = a.post("/api/login", json={"username": username, "password": PASSWORD})
        assert_error(old, 400, "Wrong password", 3)
        assert (
            b.post(
                "/api/login", json={"username": username, "password": "an even better password"}
            ).status_code
            == 200
        )


def test_delete_with_the_key_in_a_header_for_anonymous_and_owned_files(gateways):
    one, two = gateways.urls
    with client(one) as a, client(two) as b:
        token = register(a)["accessToken"]
        anonymous = uploaded(a, "anonymous.txt", b"nobody's")
        owned = uploaded(a, "owned.txt", b"alice's", token=token)

        wrong = b.delete(f"/api/files/{owned['file_url']}", headers={"X-Delete-Key": str(uuid.uuid4())})
        missing = b.delete(f"/api/files/{owned['file_url']}")
        assert_error(wrong, 400, "Invalid unique key")
        assert_error(missing, 400, "Invalid unique key")
        assert a.get(f"/file/{owned['file_url']}").content == b"alice's"

        for file in (anonymous, owned):
            r = b.delete(f"/api/files/{file['file_url']}", headers={"X-Delete-Key": file["key"]})
            assert r.json() == {"status": "success", "message": "File deleted successfully"}
            for c in (a, b):
                assert_error(c.get(f"/file/{file['file_url']}"), 404, "File not found")
        assert listed(a, token) == []
        again = a.delete(f"/api/files/{owned['file_url']}", headers={"X-Delete-Key": owned["key"]})
        assert_error(again, 404, "File not found")


def test_no_delete_key_or_token_reaches_the_gateways_logs(gateways):
    one, _ = gateways.urls
    request_id = f"e2e-{uuid.uuid4().hex}"
    traced = {"X-Request-ID": request_id}
    with client(one) as c:
        login = register(c)["accessToken"]
        api = create_token(c, login)
        by_query, by_header = uploaded(c, "q.txt", b"q"), uploaded(c, "h.txt", b"h")
        assert (
            c.get(
                f"/api/delete/{by_query['file_url']}", params={"key": by_query["key"]}, headers=traced
            ).status_code
            == 200
        )
        assert (
            c.delete(
                f"/api/files/{by_header['file_url']}", headers={**traced, "X-Delete-Key": by_header["key"]}
            ).status_code
            == 200
        )
        assert c.delete(f"/api/tokens/{api['id']}", headers={**traced, **bearer(login)}).status_code == 200

    log_path = gateways.stack.processes["gateway"].log_path

    def access_lines() -> list[str] | None:
        lines = [line for line in log_path.read_text().splitlines() if request_id in line]
        return lines if len(lines) >= 3 else None

    lines = wait_until(access_lines, timeout=10, what="the three requests in the gateway's log")
    assert any(f"/api/delete/{by_query['file_url']}?key=[redacted]" in line for line in lines), lines
    assert any(f'"DELETE /api/files/{by_header["file_url"]} HTTP/1.1" 200' in line for line in lines), lines
    everything = "".join(process.log_path.read_text() for process in gateways.stack.processes.values())
    for secret in (by_query["key"], by_header["key"], api["token"], login):
        assert secret not in everything
