"""Our stack storing in S3 (SeaweedFS, a real S3-compatible store on loopback) with
FU_GATEWAY_DOWNLOAD_REDIRECT=presigned: a download is a redirect to a presigned URL, and the bytes come
straight from the store. Only the file-size downloads are measured here (curl follows the redirect);
the other cases are the default stack's."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import Iterator

from bench import api_seed
from bench.ours import SETTINGS
from bench.target import API_UPLOAD, SampleFiles, Target
from seaweedfs import SeaweedFS
from stack import Stack, StackConfig, free_port

CASES = frozenset({"download_sizes"})


@contextlib.contextmanager
def running(workdir: pathlib.Path, samples: SampleFiles) -> Iterator[Target]:
    store = SeaweedFS(workdir / "seaweedfs").start()
    try:
        bucket = store.create_bucket()
        env = {**SETTINGS, **store.files_env(bucket), "FU_GATEWAY_DOWNLOAD_REDIRECT": "presigned"}
        config = StackConfig(
            workdir / "ours-s3",
            gateway_port=free_port(),
            auth_port=free_port(),
            files_port=free_port(),
            nats_port=free_port(),
            env=env,
        )
        stack = Stack(config).start()
        try:
            token, downloads = api_seed.seed(stack.gateway_url, samples)
            yield Target(
                "ours_s3",
                "ours, S3 (SeaweedFS) + presigned redirects",
                stack.gateway_url,
                API_UPLOAD,
                downloads,
                token,
                cases=CASES,
            )
        finally:
            stack.stop()
    finally:
        store.stop()
