"""Clients that keep working through a fault, each with an account of its own, recording every
answer and what the server acknowledged."""

import dataclasses
import os
import random
import threading
import time
from collections.abc import Callable

import httpx

from support.api import bearer, client, register

NO_ANSWER = 0  # the status recorded when no HTTP answer came: a refused or reset connection, a timeout


@dataclasses.dataclass(frozen=True)
class Outcome:
    operation: str
    status: int
    seconds: float
    json_error: bool  # the body is the contract's {"status": "error", "message": ...}
    at: float  # time.monotonic() when the answer came


class AccountWorker(threading.Thread):
    """Uploads with its token in a loop until `stop` is set; with `mixed`, also downloads (checking
    every byte), lists, deletes and logs in. `stored` and `deleted` are what got a 200."""

    def __init__(self, base_url: str, stop: threading.Event, mixed: bool = True, timeout: float = 30) -> None:
        super().__init__(daemon=True)
        self._client = client(base_url, timeout=timeout)
        self._stop_event, self._mixed = stop, mixed
        self.password = "a good password"
        account = register(self._client, password=self.password)
        self.username, self.token = account["username"], account["accessToken"]
        self.outcomes: list[Outcome] = []
        self.stored: dict[str, bytes] = {}
        self.deleted: set[str] = set()
        self.corrupt: list[str] = []
        self.failure: BaseException | None = None
        self._keys: dict[str, str] = {}

    def run(self) -> None:
        step = 0
        try:
            while not self._stop_event.is_set():
                self._upload_one()
                if self._mixed:
                    self._mixed_step(step)
                step += 1
        except BaseException as error:
            self.failure = error
            raise
        finally:
            self._client.close()

    def successes_since(self, operation: str, since: float) -> int:
        return sum(1 for o in self.outcomes if o.operation == operation and o.status == 200 and o.at >= since)

    def delete_oldest(self, c: httpx.Client) -> None:
        """Deletes the oldest stored file through `c` (once the worker has stopped)."""
        file_url = next(iter(self.stored))
        r = c.get(f"/api/delete/{file_url}", params={"key": self._keys[file_url]})
        assert r.status_code == 200, r.text
        self._forget(file_url)

    def _mixed_step(self, step: int) -> None:
        if self.stored:
            self._download_one(random.choice(list(self.stored)))
        self._record("get_files", lambda c: c.get("/api/get_files", headers=bearer(self.token)))
        if step % 3 == 2 and self.stored:
            self._delete_one(next(iter(self.stored)))
        if step % 5 == 4:
            credentials = {"username": self.username, "password": self.password}
            self._record("login", lambda c: c.post("/api/login", json=credentials))

    def _upload_one(self) -> None:
        data = os.urandom(random.randint(1, 64 * 1024))
        r = self._record(
            "upload",
            lambda c: c.post("/api/upload", headers=bearer(self.token), files={"file": ("load.bin", data)}),
        )
        if r is not None and r.status_code == 200:
            body = r.json()
            self.stored[body["file_url"]] = data
            self._keys[body["file_url"]] = body["key"]

    def _download_one(self, file_url: str) -> None:
        r = self._record("download", lambda c: c.get("/file/" + file_url))
        if r is not None and r.status_code == 200 and r.content != self.stored[file_url]:
            self.corrupt.append(file_url)

    def _delete_one(self, file_url: str) -> None:
        key = self._keys[file_url]
        r = self._record("delete", lambda c: c.get(f"/api/delete/{file_url}", params={"key": key}))
        if r is not None and r.status_code == 200:
            self._forget(file_url)
        elif r is None or r.status_code == 503:
            # A delete cut off by the outage may have been committed or not: the file is neither
            # acknowledged as stored any more nor as deleted, and is left out of later requests.
            del self.stored[file_url]

    def _forget(self, file_url: str) -> None:
        del self.stored[file_url]
        self.deleted.add(file_url)

    def _record(
        self, operation: str, request: Callable[[httpx.Client], httpx.Response]
    ) -> httpx.Response | None:
        started = time.monotonic()
        try:
            r = request(self._client)
        except httpx.HTTPError:
            r = None
        now = time.monotonic()
        status, json_error = (NO_ANSWER, False) if r is None else (r.status_code, _is_json_error(r))
        self.outcomes.append(Outcome(operation, status, now - started, json_error, now))
        return r


def stop_all(workers: list[AccountWorker], stop: threading.Event) -> None:
    """Stops the workers and fails when one of them broke (rather than recorded an answer)."""
    stop.set()
    for worker in workers:
        worker.join(60)
    assert not any(worker.is_alive() for worker in workers), "a worker did not stop"
    failures = [worker.failure for worker in workers if worker.failure is not None]
    assert not failures, failures


def _is_json_error(r: httpx.Response) -> bool:
    try:
        body = r.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("status") == "error" and "message" in body
