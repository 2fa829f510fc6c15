"""One run against a gateway: every client at once, then the final check."""
from __future__ import annotations

import asyncio
import math
import sys
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx

from loadgen.api import Api
from loadgen.client import Account, LoadClient
from loadgen.ledger import Ledger
from loadgen.metrics import Recorder
from loadgen.plan import Plan, format_bytes
from loadgen.verify import verify_final

PROGRESS_STEPS = 10
SETTLE_SECONDS = 1.0  # of quiet before a memory baseline, so that no transfer is in flight


@dataclass(frozen=True)
class RunResult:
    load: Recorder
    final: Recorder
    ledger: Ledger


class WarmUp:
    """Holds each client after its first `steps` uploads; once every client is there and the stack has
    been quiet for a moment, `on_warm` takes the memory baseline and they all go on."""

    def __init__(self, clients: int, steps: int, on_warm: Callable[[], None]) -> None:
        self.steps = steps
        self._clients = clients
        self._on_warm = on_warm
        self._arrived = 0
        self._over = asyncio.Event()

    async def reached(self) -> None:
        self._arrived += 1
        if self._arrived == self._clients:
            await asyncio.sleep(SETTLE_SECONDS)
            self._on_warm()
            self._over.set()
        await self._over.wait()


class Progress:
    """Counts finished uploads and prints where the run is every tenth of it."""

    def __init__(self, plan: Plan, recorder: Recorder) -> None:
        self._total = sum(len(client.steps) for client in plan.clients)
        self._recorder = recorder
        self._done = 0

    def step_done(self) -> None:
        self._done += 1
        if self._done % max(1, self._total // PROGRESS_STEPS) == 0 or self._done == self._total:
            r = self._recorder
            print(f"  {self._done}/{self._total} uploads, {r.seconds:.0f} s, {r.requests} requests, "
                  f"{r.error_count} errors, {r.mismatch_count} mismatches, up {format_bytes(r.bytes_up)}, "
                  f"down {format_bytes(r.bytes_down)}", file=sys.stderr, flush=True)


def make_accounts(plan: Plan, run_id: str) -> dict[str, Account]:
    return {name: Account(name, f"load-{run_id}-{name}", f"password-{run_id}-{name}") for name in plan.accounts}


async def run_load(base_url: str, plan: Plan, run_id: str, *, timeout: float, warmup_uploads: int,
                   on_warm: Callable[[], None]) -> RunResult:
    accounts = make_accounts(plan, run_id)
    ledger = Ledger(plan.accounts)
    load = Recorder("load")
    progress = Progress(plan, load)
    warm_up = WarmUp(len(plan.clients), math.ceil(warmup_uploads / len(plan.clients)), on_warm)
    async with AsyncExitStack() as exits:
        clients, registering = [], set()
        for client_plan in plan.clients:
            # a connection of its own for each client, as separate users have
            http = await exits.enter_async_context(httpx.AsyncClient(base_url=base_url, timeout=timeout))
            account = accounts[client_plan.account] if client_plan.account else None
            registers = account is not None and account.name not in registering
            registering.add(client_plan.account)
            clients.append(LoadClient(client_plan, Api(http, load), ledger, account, registers, warm_up,
                                      progress.step_done))
        await asyncio.gather(*(client.run() for client in clients))
    load.finish()
    final = Recorder("final check")
    started = time.monotonic()
    print(f"  final check of {len(accounts)} account lists, {len(ledger.live_files())} live and "
          f"{len(ledger.deleted_files())} deleted files", file=sys.stderr, flush=True)
    await verify_final(base_url, ledger, accounts.values(), final, len(plan.clients), timeout)
    final.finish()
    print(f"  final check done in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return RunResult(load, final, ledger)
