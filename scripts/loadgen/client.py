"""One load client: signs in, then for each planned upload: upload, download and check the bytes,
sometimes download a Range of them, sometimes delete one of its files with its key, and, with an
account, call get_files and check the listing against the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from loadgen.api import Api, bearer
from loadgen.checks import (
    check_download,
    check_gone,
    check_range,
    token_reply_problems,
    upload_reply_problems,
)
from loadgen.content import Content, MultipartUpload
from loadgen.ledger import FileRecord, Ledger
from loadgen.plan import ClientPlan, UploadStep

LOGGED_IN = "logged in with password"
LOGGED_OUT = {"status": "success", "message": "logged out successfully"}
DELETED = {"status": "success", "message": "File deleted successfully"}


@dataclass
class Account:
    name: str
    username: str
    password: str
    registered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def credentials(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}


class WarmUpGate(Protocol):
    steps: int  # uploads before the gate

    async def reached(self) -> None: ...


class LoadClient:
    def __init__(
        self,
        plan: ClientPlan,
        api: Api,
        ledger: Ledger,
        account: Account | None,
        registers: bool,
        warm_up: WarmUpGate,
        on_step_done: Callable[[], None],
    ) -> None:
        self._plan = plan
        self._api = api
        self._ledger = ledger
        self._account = account
        self._registers = registers  # the first client of an account registers it, the others log in
        self._warm_up = warm_up
        self._on_step_done = on_step_done
        self._token: str | None = None
        self._live: list[FileRecord] = []

    async def run(self) -> None:
        await self._sign_in()
        steps = self._plan.steps
        for step in steps[: self._warm_up.steps]:
            await self._run_step(step)
        await self._warm_up.reached()
        for step in steps[self._warm_up.steps :]:
            await self._run_step(step)

    async def _run_step(self, step: UploadStep) -> None:
        if step.login_first and self._account is not None:
            await self._log_in_again(self._account)
        record = await self._upload(step)
        if record is not None:
            await check_download(self._api, "download", record)
            if step.byte_range is not None:
                await check_range(self._api, record, *step.byte_range)
            self._live.append(record)
        if step.delete_pick is not None and self._live:
            await self._delete(self._live.pop(int(step.delete_pick * len(self._live))))
        if self._account is not None and self._token is not None:
            await self._check_listing(self._account, self._token)
        self._on_step_done()

    async def _sign_in(self) -> None:
        if self._account is None:
            return
        if not self._registers:
            await self._account.registered.wait()
            self._token = await self._log_in(self._account)
            return
        try:
            reply = await self._api.json_call(
                "register", "POST", "/api/register", json=self._account.credentials
            )
        finally:
            self._account.registered.set()
        self._token = self._token_of(reply, "register", self._account)

    async def _log_in(self, account: Account) -> str | None:
        reply = await self._api.json_call("login", "POST", "/api/login", json=account.credentials)
        return self._token_of(reply, "login", account)

    async def _log_in_again(self, account: Account) -> None:
        new_token = await self._log_in(account)
        if new_token is None:
            return
        if self._token is not None:
            reply = await self._api.json_call("logout", "POST", "/api/logout", headers=bearer(self._token))
            if reply is not None and reply != LOGGED_OUT:
                self._api.mismatch("logout", f"unexpected answer {reply!r}")
        self._token = new_token

    def _token_of(self, reply: dict | None, kind: str, account: Account) -> str | None:
        if reply is None:
            return None
        problems = token_reply_problems(reply, account.username, LOGGED_IN)
        for problem in problems:
            self._api.mismatch(kind, f"{account.username}: {problem}")
        return None if problems else reply["accessToken"]

    async def _upload(self, step: UploadStep) -> FileRecord | None:
        token = None if step.anonymous or self._account is None else self._token
        owner = self._account.name if token is not None and self._account is not None else None
        body = MultipartUpload(Content(step.seed, step.size), step.filename)
        headers = {"Content-Type": body.content_type, **(bearer(token) if token else {})}
        if not step.chunked:
            headers["Content-Length"] = str(body.content_length)
        self._ledger.upload_started(owner)
        reply = await self._api.json_call(
            "upload",
            "POST",
            "/api/upload",
            sent=step.size,
            content=body.stream(),
            headers=headers,
            params={"include_ext": str(step.include_ext).lower()},
        )
        record = None
        if reply is not None:
            for problem in upload_reply_problems(reply, step, synced=token is not None):
                self._api.mismatch("upload", f"{step.filename}: {problem}")
            if not body.fully_sent:
                self._api.mismatch("upload", f"{step.filename}: answered before the whole body was sent")
            elif reply.get("file_url") and reply.get("key"):
                record = FileRecord(
                    reply["file_url"], reply["key"], step.filename, body.content, body.sha256, owner
                )
        self._ledger.upload_finished(owner, record)
        return record

    async def _delete(self, record: FileRecord) -> None:
        self._ledger.delete_started(record)
        reply = await self._api.json_call(
            "delete", "GET", f"/api/delete/{record.file_url}", params={"key": record.key}
        )
        if reply is None:
            return
        if reply != DELETED:
            self._api.mismatch("delete", f"{record.file_url}: unexpected answer {reply!r}")
        self._ledger.delete_answered(record)
        await check_gone(self._api, "download deleted", record)

    async def _check_listing(self, account: Account, token: str) -> None:
        window = self._ledger.listing_sent(account.name)
        reply = await self._api.json_call("get_files", "GET", "/api/get_files", headers=bearer(token))
        if reply is None:
            return
        if reply.get("username") != account.username:
            self._api.mismatch(
                "get_files", f"username {reply.get('username')!r}, expected {account.username!r}"
            )
        for problem in self._ledger.listing_problems(window, reply.get("data") or []):
            self._api.mismatch("get_files", f"{account.username}: {problem}")
