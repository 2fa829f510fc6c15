"""The gateway's file cache (issue 9), with the services as processes: two gateways on one auth, files
and NATS. A cached file is answered without files; a delete through either gateway is forgotten by
both; what the cache answers is what files' answer was, headers included."""

import os
import time

import pytest

from stack import Stack, free_port, http_status
from support.api import assert_error, client, uploaded
from support.metrics import scrape, value
from support.stacks import UNLIMITED_RATES, running_stack, stack_config
from support.waiting import wait_until

# Well under the cache's TTL (60 s): the files.deleted event, not the TTL, makes the other gateway forget.
DELETE_HEARD_WITHIN_SECONDS = 5.0
SMALL = os.urandom(4000)
BIG = os.urandom(600_000)  # over FU_GATEWAY_CACHE_MAX_FILE_BYTES: only its metadata is cached
SAME_REQUEST = {"X-Request-ID": "cache-compare"}


@pytest.fixture(scope="module")
def gateways(tmp_path_factory, postgres_server):
    config = stack_config(tmp_path_factory.mktemp("cache"), postgres_server, **UNLIMITED_RATES)
    with running_stack(config, postgres_server) as stack:
        second = start_gateway(stack, "gateway-2")
        yield stack, [stack.gateway_url, second]


@pytest.fixture(scope="module")
def uncached(gateways) -> str:
    """A gateway with its cache off: every answer comes from files."""
    stack, _ = gateways
    return start_gateway(stack, "uncached", FU_GATEWAY_CACHE_MAX_ENTRIES="0")


def start_gateway(stack: Stack, name: str, **env: str) -> str:
    port = free_port()
    stack.start_service("gateway", instance=name, env={"FU_GATEWAY_PORT": str(port), **env})
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_status(url + "/readyz") == 200, 30, f"{name} ready")
    return url


def comparable(response) -> tuple[int, dict[str, str], bytes]:
    headers = {name: value for name, value in response.headers.items() if name != "date"}
    return response.status_code, headers, response.content


@pytest.mark.parametrize("data", [SMALL, BIG], ids=["bytes-cached", "metadata-cached"])
def test_cached_answers_equal_the_uncached_ones_byte_for_byte(gateways, uncached, data):
    _, (one, _) = gateways
    with client(one) as c, client(uncached) as reference:
        url = "/file/" + uploaded(c, "clip.mp4", data)["file_url"]
        etag = reference.head(url).headers["etag"]
        assert c.get(url).content == data  # now cached
        asks = [
            ("GET", {}),
            ("HEAD", {}),
            ("GET", {"Range": "bytes=100-199"}),
            ("GET", {"Range": "bytes=-50"}),
            ("HEAD", {"Range": "bytes=0-9"}),
            ("GET", {"If-None-Match": etag}),
            ("GET", {"Range": "bytes=10-19", "If-Range": etag}),
            ("GET", {"Range": "bytes=10-19", "If-Range": '"x"'}),
            ("GET", {"Range": f"bytes={len(data)}-"}),
        ]
        for method, headers in asks:
            expected = reference.request(method, url, headers={**SAME_REQUEST, **headers})
            answered = c.request(method, url, headers={**SAME_REQUEST, **headers})
            assert comparable(answered) == comparable(expected), (method, headers)


def test_the_first_answer_of_a_file_equals_the_cached_one(gateways):
    stack, (one, two) = gateways
    with client(one) as c1, client(two) as c2:
        url = "/file/" + uploaded(c1, "page.txt", SMALL)["file_url"]
        cached_before = value(scrape(stack.metrics_urls["gateway"]), "fileuploader_gateway_cache_entries")
        uncached = c1.get(url, headers={**SAME_REQUEST, "Range": "bytes=5-1000"})
        warm = scrape(stack.metrics_urls["gateway"])
        cached = c1.get(url, headers={**SAME_REQUEST, "Range": "bytes=5-1000"})
        other = c2.get(url, headers={**SAME_REQUEST, "Range": "bytes=5-1000"})
    assert value(warm, "fileuploader_gateway_cache_entries") == cached_before + 1
    assert comparable(cached) == comparable(uncached) == comparable(other)
    assert uncached.status_code == 206 and uncached.content == SMALL[5:1001]


def test_cache_hits_misses_and_bytes_show_in_the_metrics(gateways):
    stack, (one, _) = gateways
    metrics = stack.metrics_urls["gateway"]
    with client(one) as c:
        url = "/file/" + uploaded(c, "a.bin", SMALL)["file_url"]
        before = scrape(metrics)
        c.get(url)
        c.get(url)
        c.get(url)
        after = scrape(metrics)
    hits = "fileuploader_gateway_cache_hits_total"
    assert value(after, hits, held="bytes") - value(before, hits, held="bytes") == 2
    assert (
        value(after, "fileuploader_gateway_cache_misses_total")
        - value(before, "fileuploader_gateway_cache_misses_total")
        == 1
    )
    assert value(after, "fileuploader_gateway_cache_bytes") - value(
        before, "fileuploader_gateway_cache_bytes"
    ) == len(SMALL)


@pytest.mark.parametrize("through", [0, 1], ids=["delete-through-gateway-1", "delete-through-gateway-2"])
def test_a_delete_through_one_gateway_is_forgotten_by_both(gateways, through):
    _, urls = gateways
    with client(urls[0]) as c1, client(urls[1]) as c2:
        clients = [c1, c2]
        body = uploaded(c1, "gone.txt", SMALL)
        url = "/file/" + body["file_url"]
        for c in clients:  # both gateways hold the file
            assert c.get(url).content == SMALL and c.get(url).content == SMALL
        deleter, other = clients[through], clients[1 - through]
        assert deleter.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]}).status_code == 200
        assert_error(deleter.get(url), 404, "File not found")
        started = time.monotonic()
        wait_until(
            lambda: other.get(url).status_code == 404,
            DELETE_HEARD_WITHIN_SECONDS,
            "the other gateway forgets the deleted file",
        )
        assert time.monotonic() - started < DELETE_HEARD_WITHIN_SECONDS
        assert other.head(url).status_code == 404


def test_a_gateway_cut_off_from_nats_forgets_everything_and_caches_nothing_until_back(gateways):
    stack, (one, _) = gateways
    metrics = stack.metrics_urls["gateway"]
    misses = "fileuploader_gateway_cache_misses_total"
    with client(one) as c:
        url = "/file/" + uploaded(c, "a.bin", SMALL)["file_url"]
        c.get(url)
        assert value(scrape(metrics), "fileuploader_gateway_cache_entries") >= 1
        stack.processes["nats"].stop()
        try:
            wait_until(
                lambda: value(scrape(metrics), "fileuploader_gateway_cache_entries") == 0,
                10,
                "the cache dropped",
            )
            before = value(scrape(metrics), misses)
            assert c.get(url).content == SMALL and c.get(url).content == SMALL
            assert value(scrape(metrics), misses) - before == 2, "nothing is served from the cache while deaf"
        finally:
            stack.start_nats()

        def cached_again() -> bool:
            c.get(url)
            return value(scrape(metrics), "fileuploader_gateway_cache_entries") >= 1

        wait_until(cached_again, 30, "the cache is back once NATS is")


def test_a_cached_file_is_served_while_files_is_stopped(gateways):
    """Files are immutable: a cached one is answered with no RPC at all (a behaviour users can see)."""
    stack: Stack
    stack, (one, _) = gateways
    with client(one) as c:
        small = uploaded(c, "kept.txt", SMALL)["file_url"]
        big = uploaded(c, "big.bin", BIG)["file_url"]
        assert c.get("/file/" + small).content == SMALL
        assert c.head("/file/" + big).status_code == 200
        stack.processes["files"].stop()
        try:
            r = c.get("/file/" + small, headers={"Range": "bytes=0-9"})
            assert r.status_code == 206 and r.content == SMALL[:10]
            assert c.get("/file/" + small).content == SMALL
            assert c.head("/file/" + big).headers["content-length"] == str(len(BIG))
            assert c.get("/file/" + big).status_code == 503  # its bytes were never cached
        finally:
            stack.start_service("files")
            wait_until(lambda: c.get("/file/" + big).status_code == 200, 30, "files back")
