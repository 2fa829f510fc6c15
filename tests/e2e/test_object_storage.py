"""The services as processes with files storing in S3 (FU_FILES_STORAGE_BACKEND=s3, a SeaweedFS bucket):
the public API unchanged, nothing left of a cut-off upload, and a second gateway with
FU_GATEWAY_DOWNLOAD_REDIRECT=presigned that sends downloads to the store."""

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse

import pytest

from seaweedfs import SeaweedFS
from stack import SERVICE_MODULES, Stack, free_port, http_status
from support.api import assert_error, client, uploaded
from support.oversize import send_oversized_upload
from support.stacks import UNLIMITED_RATES, running_stack, stack_config
from support.waiting import wait_until

MB = 1024 * 1024
PART_SIZE = 8 * MB  # the default
DATA = os.urandom(PART_SIZE + 1234567)


@dataclasses.dataclass
class S3Stack:
    stack: Stack
    bucket: str
    redirecting_url: str

    @property
    def base_url(self) -> str:
        return self.stack.gateway_url


@pytest.fixture(scope="module")
def s3_stack(tmp_path_factory, postgres_server, seaweedfs: SeaweedFS):
    bucket = seaweedfs.create_bucket()
    env = {**UNLIMITED_RATES, **seaweedfs.files_env(bucket)}
    config = stack_config(tmp_path_factory.mktemp("s3-stack"), postgres_server, **env)
    try:
        with running_stack(config, postgres_server) as stack:
            port = free_port()
            redirect_env = {"FU_GATEWAY_PORT": str(port), "FU_GATEWAY_DOWNLOAD_REDIRECT": "presigned"}
            stack.start_service("gateway", instance="gateway-redirecting", env=redirect_env)
            redirecting_url = f"http://127.0.0.1:{port}"
            wait_until(lambda: http_status(redirecting_url + "/readyz") == 200, 30, "the redirecting gateway")
            yield S3Stack(stack, bucket, redirecting_url)
    finally:
        seaweedfs.delete_bucket(bucket)


def test_upload_download_range_head_etag_and_delete_work_on_s3(s3_stack, seaweedfs):
    with client(s3_stack.base_url) as c:
        body = uploaded(c, "two parts.bin", DATA)
        url = "/file/" + body["file_url"]
        assert len(DATA) in seaweedfs.objects(s3_stack.bucket).values()
        whole = c.get(url)
        part = c.get(url, headers={"Range": f"bytes={PART_SIZE - 8}-{PART_SIZE + 7}"})
        head = c.head(url)
        not_modified = c.get(url, headers={"If-None-Match": whole.headers["etag"]})
        deleted = c.get(f"/api/delete/{body['file_url']}", params={"key": body["key"]})
        gone = c.get(url)

    assert whole.status_code == 200 and whole.content == DATA
    assert whole.headers["etag"] == f'"{hashlib.sha256(DATA).hexdigest()}"'
    assert part.status_code == 206 and part.content == DATA[PART_SIZE - 8 : PART_SIZE + 8]
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(DATA)
    assert not_modified.status_code == 304
    assert deleted.status_code == 200
    assert_error(gone, 404, "File not found")
    assert seaweedfs.incomplete_uploads(s3_stack.bucket) == []


def test_upload_over_the_limit_is_cut_off_with_413_leaving_no_object_and_no_incomplete_upload(
    s3_stack, seaweedfs
):
    before = seaweedfs.objects(s3_stack.bucket)

    status, body, _ = send_oversized_upload(s3_stack.base_url, file_size=100 * MB + 1)

    assert status == 413 and body == {"status": "error", "message": "File size exceeds the limit (100MB)"}
    wait_until(lambda: seaweedfs.objects(s3_stack.bucket) == before, 20, "no object of the cut-off upload")
    wait_until(lambda: not seaweedfs.incomplete_uploads(s3_stack.bucket), 20, "the multipart upload aborted")
    files_log = s3_stack.stack.processes["files"].log_tail
    wait_until(lambda: "aborted the upload of blob" in files_log(50), 10, "files saying it aborted it")


def test_redirected_download_serves_the_bytes_type_and_disposition_from_the_store(s3_stack, seaweedfs):
    with client(s3_stack.base_url) as c:
        body = uploaded(c, "photo é.png", DATA)
        streamed = c.head("/file/" + body["file_url"])
    with client(s3_stack.redirecting_url) as c:
        redirect = c.get("/file/" + body["file_url"])
        followed = c.get("/f/" + body["file_url"], follow_redirects=True)
        ranged = c.get("/file/" + body["file_url"], headers={"Range": "bytes=10-19"}, follow_redirects=True)
        head = c.head("/file/" + body["file_url"])

    location = urllib.parse.urlsplit(redirect.headers["location"])
    assert redirect.status_code == 302 and redirect.headers["cache-control"] == "no-store"
    assert f"{location.scheme}://{location.netloc}" == seaweedfs.endpoint_url
    assert followed.status_code == 200 and followed.content == DATA
    for name in ("content-type", "content-disposition", "cache-control"):
        assert followed.headers[name] == streamed.headers[name], name
    assert ranged.status_code == 206 and ranged.content == DATA[10:20]
    assert head.status_code == 200 and "location" not in head.headers


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "app.js"])
def test_active_content_is_streamed_by_the_redirecting_gateway(s3_stack, name):
    with client(s3_stack.redirecting_url) as c:
        body = uploaded(c, name, b"<script>alert(1)</script>")
        r = c.get("/file/" + body["file_url"])

    assert r.status_code == 200 and r.content == b"<script>alert(1)</script>"
    assert "sandbox" in r.headers["content-security-policy"]


def test_reconcile_command_compares_the_bucket_with_the_metadata(s3_stack, seaweedfs):
    with client(s3_stack.base_url) as c:
        uploaded(c, "kept.txt", b"kept")
    argv = [sys.executable, "-m", SERVICE_MODULES["files"], "reconcile", "--json"]

    files_env = s3_stack.stack.service_env("files")
    completed = subprocess.run(argv, env=files_env, capture_output=True, timeout=120, check=False)

    report = json.loads(completed.stdout or b"{}")
    assert completed.returncode == 0, completed.stderr.decode()
    assert report["checked"]["blobs"] == len(seaweedfs.objects(s3_stack.bucket)) > 0
    assert report["checked"]["temp_files"] == 0
