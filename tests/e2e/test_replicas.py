"""Two of each service on one machine, sharing PostgreSQL, NATS, SeaweedFS (S3) and Redis: whatever
replica a request reaches, the answer is the same (issue 4, "Replicas").

    gateway-1 -> auth-1, files-1        gateway-2 -> auth-2, files-2
    limited-1 -> auth-1, files-1        limited-2 -> auth-2, files-2   (2 uploads a minute, behind a proxy)
"""

import dataclasses

import pytest

from seaweedfs import SeaweedFS
from stack import Stack, free_port, http_status
from support.api import assert_error, bearer, client, get_files, loopback_address, register, uploaded
from support.metrics import scrape, value
from support.redis import RedisServer
from support.stacks import UNLIMITED_RATES, running_stack, stack_config
from support.waiting import wait_until

PROXY = "127.0.0.1"  # the limited gateways believe X-Forwarded-For from this address only


@dataclasses.dataclass
class Replicas:
    stack: Stack
    gateways: list[str]
    limited: list[str]
    auth_metrics: list[str]


@pytest.fixture(scope="module")
def redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres_server, seaweedfs: SeaweedFS, redis: RedisServer):
    bucket = seaweedfs.create_bucket()
    auth_metrics = [free_port(), free_port()]
    env = {
        **UNLIMITED_RATES,
        **seaweedfs.files_env(bucket),
        "FU_GATEWAY_RATE_LIMIT_STORAGE_URI": redis.url,
        "FU_AUTH_METRICS_PORT": str(auth_metrics[0]),
    }
    config = stack_config(tmp_path_factory.mktemp("replicas"), postgres_server, **env)
    try:
        with running_stack(config, postgres_server) as stack:
            auth_2, files_2 = second_auth_and_files(stack, auth_metrics[1])
            first = (f"127.0.0.1:{config.auth_port}", f"127.0.0.1:{config.files_port}")
            gateway_2 = start_gateway(stack, "gateway-2", (auth_2, files_2))
            limited = [
                start_gateway(
                    stack,
                    f"limited-{n}",
                    pair,
                    FU_GATEWAY_UPLOAD_RATE_LIMIT="2/minute",
                    FU_GATEWAY_TRUSTED_PROXIES=PROXY,
                )
                for n, pair in ((1, first), (2, (auth_2, files_2)))
            ]
            for url in (gateway_2, *limited):
                wait_until(lambda url=url: http_status(url + "/readyz") == 200, 30, f"{url} ready")
            yield Replicas(
                stack,
                [stack.gateway_url, gateway_2],
                limited,
                [f"http://127.0.0.1:{port}/metrics" for port in auth_metrics],
            )
    finally:
        seaweedfs.delete_bucket(bucket)


def second_auth_and_files(stack: Stack, auth_metrics_port: int) -> tuple[str, str]:
    auth, files = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    stack.start_service(
        "auth",
        instance="auth-2",
        env={"FU_AUTH_LISTEN_ADDRESS": auth, "FU_AUTH_METRICS_PORT": str(auth_metrics_port)},
    )
    stack.start_service("files", instance="files-2", env={"FU_FILES_LISTEN_ADDRESS": files})
    return auth, files


def start_gateway(stack: Stack, name: str, upstreams: tuple[str, str], **env: str) -> str:
    port = free_port()
    stack.start_service(
        "gateway",
        instance=name,
        env={
            "FU_GATEWAY_PORT": str(port),
            "FU_GATEWAY_AUTH_ADDRESS": upstreams[0],
            "FU_GATEWAY_FILES_ADDRESS": upstreams[1],
            **env,
        },
    )
    return f"http://127.0.0.1:{port}"


def test_an_upload_through_one_gateway_is_downloadable_and_listed_through_the_other(replicas):
    one, two = replicas.gateways
    with client(one) as c1, client(two) as c2:
        token = register(c1)["accessToken"]
        body = uploaded(c1, "shared.txt", b"seen by every replica", token=token)
        assert c2.get("/file/" + body["file_url"]).content == b"seen by every replica"
        assert [f["file_url"] for f in get_files(c2, token)] == [body["file_url"]]


def test_a_delete_through_one_gateway_is_gone_through_the_other(replicas):
    one, two = replicas.gateways
    with client(one) as c1, client(two) as c2:
        token = register(c2)["accessToken"]
        body = uploaded(c1, "gone.txt", b"soon gone", token=token)
        assert c2.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]}).status_code == 200
        assert_error(c1.get("/file/" + body["file_url"]), 404, "File not found")
        assert get_files(c1, token) == []


def test_each_event_is_applied_once_although_both_auth_replicas_consume(replicas):
    applied_before = applied_uploads(replicas)
    one, two = replicas.gateways
    with client(one) as c1, client(two) as c2:
        token = register(c1)["accessToken"]
        urls = {uploaded(c, f"e{i}.txt", b"e", token=token)["file_url"] for i, c in enumerate([c1, c2] * 10)}
        assert {f["file_url"] for f in get_files(c1, token)} == urls
        assert {f["file_url"] for f in get_files(c2, token)} == urls
    wait_until(lambda: applied_uploads(replicas) - applied_before >= len(urls), 10, "events counted")
    assert applied_uploads(replicas) - applied_before == len(urls)


def applied_uploads(replicas: Replicas) -> float:
    return sum(
        value(scrape(url), "fileuploader_events_applied_total", kind="uploaded", outcome="applied")
        for url in replicas.auth_metrics
    )


def test_the_rate_limit_holds_across_both_gateways(replicas):
    forwarded = {"X-Forwarded-For": "203.0.113.50"}
    with client(replicas.limited[0], PROXY) as c1, client(replicas.limited[1], PROXY) as c2:
        codes = [
            c.post("/api/upload", files={"file": ("r.txt", b"x")}, headers=forwarded).status_code
            for c in (c1, c2, c1, c2)
        ]
        another_client = c2.post(
            "/api/upload", files={"file": ("r.txt", b"x")}, headers={"X-Forwarded-For": "203.0.113.51"}
        )
    assert codes == [200, 200, 429, 429]
    assert another_client.status_code == 200


def test_forwarded_for_from_an_untrusted_peer_is_ignored(replicas):
    peer = loopback_address()  # not the trusted proxy: its own address is the client's
    with client(replicas.limited[0], peer) as c1, client(replicas.limited[1], peer) as c2:
        codes = [
            c.post(
                "/api/upload", files={"file": ("r.txt", b"x")}, headers={"X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code
            for n, c in enumerate((c1, c2, c1))
        ]
    assert codes == [200, 200, 429]


def test_tokens_issued_by_one_auth_replica_are_valid_at_the_other(replicas):
    one, two = replicas.gateways
    with client(one) as c1, client(two) as c2:
        token = register(c1)["accessToken"]
        assert c2.post("/api/logout", headers=bearer(token)).status_code == 200
        assert c1.get("/api/get_files", headers=bearer(token)).status_code == 401
