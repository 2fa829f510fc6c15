"""A target: one server under test, started, seeded with the sample files and measured, then stopped."""

from __future__ import annotations

import dataclasses
import os
import pathlib


@dataclasses.dataclass(frozen=True)
class UploadRoute:
    method: str  # POST with a multipart form (the API), or PUT of the raw bytes (nginx)
    path: str
    multipart: bool


API_UPLOAD = UploadRoute("POST", "/api/upload", multipart=True)


@dataclasses.dataclass
class Target:
    name: str  # the key in bench.json: ours, reference, nginx
    label: str  # the legend's words
    base_url: str
    upload: UploadRoute
    downloads: dict[int, str]  # sample size in bytes -> the path that serves that sample file
    token: str | None = None  # of an account that owns 20 files; None: no GET /api/get_files here
    # processes whose peak memory growth during a 100 MB upload is summed; empty: not measured
    memory_pids: dict[str, int] = dataclasses.field(default_factory=dict)
    cases: frozenset[str] | None = None  # the cases (bench/cases.py) measured here; None: every one

    def url(self, path: str) -> str:
        return self.base_url + path


@dataclasses.dataclass(frozen=True)
class SampleFiles:
    """The files every target serves and receives: random bytes of each size, written once per run."""

    directory: pathlib.Path
    sizes: tuple[int, ...]

    def path(self, size: int) -> pathlib.Path:
        return self.directory / f"sample-{size}.bin"

    def write(self) -> SampleFiles:
        self.directory.mkdir(parents=True, exist_ok=True)
        for size in self.sizes:
            with open(self.path(size), "wb") as out:
                left = size
                while left:
                    block = os.urandom(min(left, 1 << 20))
                    out.write(block)
                    left -= len(block)
        return self
