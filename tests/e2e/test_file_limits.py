"""Expiry and download limits with the services as processes: two gateways (each with its file cache on)
and two files replicas sharing one PostgreSQL database, NATS and the storage directory.

    gateway (first) -> auth, files        gateway-2 -> auth, files-2
"""

import concurrent.futures
import dataclasses
import os
import time

import pytest

from stack import Stack, free_port, http_status
from support.api import assert_error, client, get_files, register, uploaded
from support.events import stream_events
from support.metrics import scrape, value
from support.storage import blob_sizes, file_rows
from support.waiting import wait_until

PURGE_INTERVAL = 0.5
SEEK_GRACE = 2
FILES_2_METRICS = free_port()


@dataclasses.dataclass
class Replicas:
    stack: Stack
    gateways: list[str]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres_server):
    from support.stacks import UNLIMITED_RATES, running_stack, stack_config

    config = stack_config(
        tmp_path_factory.mktemp("limits"),
        postgres_server,
        **UNLIMITED_RATES,
        FU_FILES_PURGE_INTERVAL_SECONDS=str(PURGE_INTERVAL),
        FU_FILES_SEEK_GRACE_SECONDS=str(SEEK_GRACE),
    )
    with running_stack(config, postgres_server) as stack:
        files_2 = f"127.0.0.1:{free_port()}"
        stack.start_service(
            "files",
            instance="files-2",
            env={"FU_FILES_LISTEN_ADDRESS": files_2, "FU_FILES_METRICS_PORT": str(FILES_2_METRICS)},
        )
        port = free_port()
        stack.start_service(
            "gateway",
            instance="gateway-2",
            env={"FU_GATEWAY_PORT": str(port), "FU_GATEWAY_FILES_ADDRESS": files_2},
        )
        gateway_2 = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_status(gateway_2 + "/readyz") == 200, 30, "gateway-2 ready")
        yield Replicas(stack, [stack.gateway_url, gateway_2])


def deleted_reason(stack: Stack, file_url: str) -> list[str]:
    return [
        type(event).DESCRIPTOR.fields_by_name["reason"].enum_type.values_by_number[event.reason].name
        for subject, event in stream_events(stack)
        if subject.endswith(".deleted") and event.file_url == file_url
    ]


def purged(stack: Stack, reason: str) -> float:
    urls = [stack.metrics_urls["files"], f"http://127.0.0.1:{FILES_2_METRICS}/metrics"]
    return sum(value(scrape(url), "fileuploader_files_purged_total", reason=reason) for url in urls)


def test_an_expired_file_is_404_at_once_on_every_gateway_then_purged_and_unlisted(replicas):
    one, two = replicas.gateways
    database, storage = replicas.stack.config.files_database_url, replicas.stack.config.data_dir / "blobs"
    with client(one) as c1, client(two) as c2:
        token = register(c1)["accessToken"]
        body = uploaded(c1, "soon.txt", b"gone in a moment", token=token, expires_in="3")
        url, expires_at = body["file_url"], body["expires_at"]
        storage_key = file_rows(database)[url]["storage_key"]
        for c in (c1, c2, c1, c2):  # the second download of each gateway comes from its cache
            assert c.get(f"/file/{url}").content == b"gone in a moment"
        assert [item["expires_at"] for item in get_files(c2, token)] == [expires_at]

        wait_until(lambda: c1.get(f"/file/{url}").status_code == 404, 5, "expired on gateway 1")
        assert_error(c2.get(f"/file/{url}"), 404, "File not found")
        assert get_files(c1, token) == [] and get_files(c2, token) == []

        wait_until(lambda: url not in file_rows(database), 10, "the expired file purged")
        assert storage_key not in blob_sizes(storage)
        wait_until(lambda: deleted_reason(replicas.stack, url) == ["EXPIRED"], 10, "its files.deleted event")
        assert purged(replicas.stack, "expired") >= 1


def test_n_concurrent_downloads_across_gateways_and_replicas_succeed_and_the_next_is_404(replicas):
    one, two = replicas.gateways
    data = os.urandom(300_000)
    limit, attempts = 6, 14
    with client(one) as c1, client(two) as c2:
        token = register(c1)["accessToken"]
        url = uploaded(c2, "clip.mp4", data, token=token, max_downloads=str(limit))["file_url"]
        assert c1.head(f"/file/{url}").status_code == 200
        seek = c2.get(f"/file/{url}", headers={"Range": "bytes=1000-1999"})
        assert seek.status_code == 206 and seek.content == data[1000:2000]

        def download(n: int) -> tuple[int, bytes]:
            r = (c1, c2)[n % 2].get(f"/file/{url}")
            return r.status_code, r.content

        with concurrent.futures.ThreadPoolExecutor(attempts) as pool:
            outcomes = list(pool.map(download, range(attempts)))

        assert sorted(status for status, _ in outcomes) == [200] * limit + [404] * (attempts - limit)
        assert all(content == data for status, content in outcomes if status == 200)
        assert_error(c1.get(f"/file/{url}"), 404, "File not found")
        assert_error(c2.get(f"/file/{url}", headers={"Range": "bytes=0-"}), 404, "File not found")
        assert c1.head(f"/file/{url}").status_code == 404
        # the seeks of the last download still work for a while
        late_seek = c1.get(f"/file/{url}", headers={"Range": "bytes=200000-"})
        assert late_seek.status_code == 206 and late_seek.content == data[200000:]
        assert [item["downloads_left"] for item in get_files(c1, token)] in ([0], [])


def test_a_used_up_file_is_purged_after_the_seek_grace_and_dropped_from_get_files(replicas):
    one, two = replicas.gateways
    database = replicas.stack.config.files_database_url
    with client(one) as c1, client(two) as c2:
        token = register(c1)["accessToken"]
        url = uploaded(c1, "once.txt", b"read me once", token=token, max_downloads="2")["file_url"]
        assert c2.get(f"/file/{url}").status_code == 200
        assert [(item["max_downloads"], item["downloads_left"]) for item in get_files(c1, token)] == [(2, 1)]
        assert c1.get(f"/file/{url}").status_code == 200

        wait_until(lambda: url not in file_rows(database), SEEK_GRACE + 10, "the used-up file purged")
        wait_until(lambda: deleted_reason(replicas.stack, url) == ["DOWNLOAD_LIMIT"], 10, "its event")
        assert get_files(c2, token) == []
        assert_error(c2.get(f"/file/{url}", headers={"Range": "bytes=3-"}), 404, "File not found")
        assert purged(replicas.stack, "download_limit") >= 1


def test_limits_out_of_bounds_are_refused_with_nothing_stored(replicas):
    database = replicas.stack.config.files_database_url
    with client(replicas.gateways[0]) as c:
        before = set(file_rows(database))
        r = c.post("/api/upload", params={"max_downloads": "0"}, files={"file": ("a.txt", b"x")})
        assert_error(r, 400, "Bad max_downloads (a whole number, at least 1)")
        r = c.post("/api/upload", params={"expires_in": "1 day"}, files={"file": ("a.txt", b"x")})
        assert_error(r, 400, "Bad expires_in (seconds, or a duration such as 30m, 1h or 7d)")
        time.sleep(0.2)
        assert set(file_rows(database)) == before
