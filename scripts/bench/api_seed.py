"""Seeding a target that speaks the public API (ours, the reference): an account owning 20 files,
and every sample file uploaded once to be downloaded."""

from __future__ import annotations

import uuid

import httpx

from bench.target import SampleFiles

LISTED_FILES = 20
SEED_TIMEOUT_SECONDS = 300


def seed(base_url: str, samples: SampleFiles) -> tuple[str, dict[int, str]]:
    """(the account's token, sample size -> /file/<url>)."""
    with httpx.Client(base_url=base_url, timeout=SEED_TIMEOUT_SECONDS) as client:
        credentials = {"username": "bench-" + uuid.uuid4().hex[:8], "password": uuid.uuid4().hex}
        token = _ok(client.post("/api/register", json=credentials))["accessToken"]
        for i in range(LISTED_FILES):
            _ok(
                client.post(
                    "/api/upload",
                    files={"file": (f"listed-{i}.bin", b"x" * 100)},
                    headers={"Authorization": f"Bearer {token}"},
                )
            )
        downloads = {}
        for size in samples.sizes:
            with open(samples.path(size), "rb") as body:
                answer = _ok(client.post("/api/upload", files={"file": ("bench.bin", body)}))
            downloads[size] = "/file/" + answer["file_url"]
    return token, downloads


def _ok(response: httpx.Response) -> dict:
    if response.status_code != 200:
        path = response.request.url.path
        raise RuntimeError(f"seeding {path}: {response.status_code} {response.text[:300]}")
    return response.json()
