"""The public HTTP API as one load client calls it: every request timed, every failure recorded."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import httpx

from loadgen.metrics import Recorder

BODY_EXCERPT = 200


@dataclass(frozen=True)
class Fetched:
    """A streamed GET: its status and headers, and the length and sha256 of its body."""

    status: int
    headers: httpx.Headers
    size: int
    sha256: str


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Api:
    def __init__(self, http: httpx.AsyncClient, recorder: Recorder) -> None:
        self._http = http
        self._recorder = recorder

    async def json_call(
        self, kind: str, method: str, path: str, *, expect: int = 200, sent: int = 0, **kwargs: Any
    ) -> dict[str, Any] | None:
        """The JSON body of an answer with status `expect`; None (and an error recorded) otherwise."""
        started = time.monotonic()
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self._recorder.request(kind, time.monotonic() - started, up=sent)
            self._recorder.error(kind, f"{method} {path}: {error!r}")
            return None
        self._recorder.request(kind, time.monotonic() - started, up=sent, down=len(response.content))
        if response.status_code != expect:
            self._recorder.error(
                kind, f"{method} {path}: HTTP {response.status_code} {response.text[:BODY_EXCERPT]}"
            )
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._recorder.error(kind, f"{method} {path}: not a JSON object: {response.text[:BODY_EXCERPT]}")
            return None
        return body

    async def fetch(
        self, kind: str, path: str, *, expect: int = 200, headers: dict[str, str] | None = None
    ) -> Fetched | None:
        """Streams a download through sha256; None (and an error recorded) unless its status is `expect`."""
        started = time.monotonic()
        digest, size = hashlib.sha256(), 0
        try:
            async with self._http.stream("GET", path, headers=headers) as response:
                if response.status_code != expect:
                    await response.aread()
                    self._recorder.error(
                        kind, f"GET {path}: HTTP {response.status_code} {response.text[:BODY_EXCERPT]}"
                    )
                    return None
                async for chunk in response.aiter_bytes():
                    digest.update(chunk)
                    size += len(chunk)
        except httpx.HTTPError as error:
            self._recorder.error(kind, f"GET {path}: {error!r} after {size} bytes")
            return None
        finally:
            self._recorder.request(kind, time.monotonic() - started, down=size)
        return Fetched(response.status_code, response.headers, size, digest.hexdigest())

    def mismatch(self, kind: str, detail: str) -> None:
        self._recorder.mismatch(kind, detail)
