"""Clients that keep working through a fault, each with an account of its own, recording every
answer and what the server acknowledged."""
import dataclasses
import os
import random
import threading
import time

import httpx

from support.api import bearer, client, register

ERROR_STATUS = 0  # no HTTP answer at all: a refused or reset connection, or the client's timeout


@dataclasses.dataclass(frozen=True)
class Outcome:
    operation: str
    status: int
    seconds: float
    json_error: bool  # the body is the contract's {"status": "error", "message": ...}
    at: float  # time.monotonic() when the answer came


class AccountWorker(threading.Thread):
    """Uploads with its token in a loop until stopped; with `mixed`, also downloads (checking every
    byte), lists, deletes and logs in. `stored` and `deleted` are what got a 200."""

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
        self._keys: dict[str, str] = {}
        self.corrupt: list[str] = []

    def run(self) -> None:
        step = 0
        try:
            while not self._stop_event.is_set():
                self._upload_one()
                if self._mixed:
                    self._mixed_step(step)
                step += 1
        finally:
            self._client.close()

    def key_of(self, file_url: str) -> str:
        return self._keys[file_url]

    def forget(self, file_url: str) -> None:
        """The test deleted the file itself."""
        del self.stored[file_url]
        self.deleted.add(file_url)

    def successes_since(self, operation: str, since: float) -> int:
        return sum(1 for o in self.outcomes if o.operation == operation and o.status == 200 and o.at >= since)

    def _mixed_step(self, step: int) -> None:
        if self.stored:
            self._download_one(random.choice(list(self.stored)))
        self._record("get_files", lambda c: c.get("/api/get_files", headers=bearer(self.token)))
        if step % 3 == 2 and self.stored:
            self._delete_one(next(iter(self.stored)))
        if step % 5 == 4:
            self._record("login", lambda c: c.post("/api/login", json={"username": self.username,
                                                                      "password": self.password}))

    def _upload_one(self) -> None:
        data = os.urandom(random.randint(1, 64 * 1024))
        r = self._record("upload", lambda c: c.post("/api/upload", headers=bearer(self.token),
                                                  files={"file": ("load.bin", data)}))
        if r is not None and r.status_code == 200:
            body = r.json()
            self.stored[body["file_url"]] = data
            self._keys[body["file_url"]] = body["key"]

    def _download_one(self, file_url: str) -> None:
        r = self._record("download", lambda c: c.get("/file/" + file_url))
        if r is not None and r.status_code == 200 and r.content != self.stored[file_url]:
            self.corrupt.append(file_url)

    def _delete_one(self, file_url: str) -> None:
        r = self._record("delete", lambda c: c.get(f"/api/delete/{file_url}", params={"key": self._keys[file_url]}))
        if r is not None and r.status_code == 200:
            self.deleted.add(file_url)
            del self.stored[file_url]

    def _record(self, operation: str, request) -> httpx.Response | None:
        started = time.monotonic()
        try:
            r = request(self._client)
        except httpx.HTTPError:
            self.outcomes.append(Outcome(operation, ERROR_STATUS, time.monotonic() - started, False, time.monotonic()))
            return None
        self.outcomes.append(Outcome(operation, r.status_code, time.monotonic() - started, _is_json_error(r),
                                     time.monotonic()))
        return r


def _is_json_error(r: httpx.Response) -> bool:
    try:
        body = r.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("status") == "error" and "message" in body
