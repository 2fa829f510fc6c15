"""The final check, once every client is done and nothing is in flight: every account's list equals
its live files exactly, every live file downloads (through /f/) with the right sha256, and every
deleted file is 404."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable

import httpx

from loadgen.api import Api, bearer
from loadgen.checks import check_download, check_gone, token_reply_problems
from loadgen.client import LOGGED_IN, Account
from loadgen.ledger import Ledger
from loadgen.metrics import Recorder


async def verify_final(
    base_url: str,
    ledger: Ledger,
    accounts: Iterable[Account],
    recorder: Recorder,
    concurrency: int,
    timeout: float,
) -> None:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as http:
        api = Api(http, recorder)
        gate = asyncio.Semaphore(concurrency)

        async def gated(check: Awaitable[None]) -> None:
            async with gate:
                await check

        await asyncio.gather(*(gated(_check_account(api, ledger, account)) for account in accounts))
        await asyncio.gather(
            *(
                gated(check_download(api, "final download", record, prefix="/f/"))
                for record in ledger.live_files()
            )
        )
        await asyncio.gather(
            *(gated(check_gone(api, "final deleted", record)) for record in ledger.deleted_files())
        )


async def _check_account(api: Api, ledger: Ledger, account: Account) -> None:
    reply = await api.json_call("final login", "POST", "/api/login", json=account.credentials)
    if reply is None:
        return
    problems = token_reply_problems(reply, account.username, LOGGED_IN)
    if problems:
        api.mismatch("final login", f"{account.username}: {problems}")
        return
    listing = await api.json_call(
        "final get_files", "GET", "/api/get_files", headers=bearer(reply["accessToken"])
    )
    if listing is None:
        return
    for problem in ledger.final_problems(account.name, listing.get("data") or []):
        api.mismatch("final get_files", f"{account.username}: {problem}")
