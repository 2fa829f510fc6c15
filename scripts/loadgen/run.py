"""One run against a gateway: every client at once, then the final check."""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx

from loadgen.api import Api
from loadgen.client import Account, LoadClient
from loadgen.ledger import Ledger
from loadgen.metrics import Recorder
from loadgen.plan import ClientPlan, Plan, format_bytes
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
            print(
                f"  {self._done}/{self._total} uploads, {r.seconds:.0f} s, {r.requests} requests, "
                f"{r.error_count} errors, {r.mismatch_count} mismatches, up {format_bytes(r.bytes_up)}, "
                f"down {format_bytes(r.bytes_down)}",
                file=sys.stderr,
                flush=True,
            )


def make_accounts(plan: Plan, run_id: str) -> dict[str, Account]:
    return {
        name: Account(name, f"load-{run_id}-{name}", f"password-{run_id}-{name}") for name in plan.accounts
    }


class LoadRun:
    """Every client of the plan at once against one gateway, then the final check."""

    def __init__(self, base_url: str, plan: Plan, run_id: str, timeout: float, warm_up: WarmUp) -> None:
        self._base_url = base_url
        self._plan = plan
        self._timeout = timeout
        self._warm_up = warm_up
        self.accounts = make_accounts(plan, run_id)
        self.ledger = Ledger(plan.accounts)
        self.load = Recorder("load")
        self._progress = Progress(plan, self.load)
        self._registrar: dict[str | None, int] = {}  # account -> its first client, which registers it
        for client in plan.clients:
            self._registrar.setdefault(client.account, client.index)

    async def drive(self) -> None:
        async with AsyncExitStack() as exits:
            clients = []
            for client_plan in self._plan.clients:
                # a connection of its own for each client, as separate users have
                http = httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout)
                clients.append(self._client(client_plan, await exits.enter_async_context(http)))
            await asyncio.gather(*(client.run() for client in clients))
        self.load.finish()

    async def final_check(self) -> Recorder:
        final = Recorder("final check")
        print(
            f"  final check of {len(self.accounts)} account lists, {len(self.ledger.live_files())} live and "
            f"{len(self.ledger.deleted_files())} deleted files",
            file=sys.stderr,
            flush=True,
        )
        await verify_final(
            self._base_url, self.ledger, self.accounts.values(), final, len(self._plan.clients), self._timeout
        )
        final.finish()
        print(f"  final check done in {final.seconds:.0f} s", file=sys.stderr, flush=True)
        return final

    def _client(self, plan: ClientPlan, http: httpx.AsyncClient) -> LoadClient:
        account = self.accounts[plan.account] if plan.account else None
        registers = account is not None and self._registrar[plan.account] == plan.index
        api = Api(http, self.load)
        return LoadClient(plan, api, self.ledger, account, registers, self._warm_up, self._progress.step_done)


async def run_load(
    base_url: str,
    plan: Plan,
    run_id: str,
    *,
    timeout: float,
    warmup_uploads: int,
    on_warm: Callable[[], None],
) -> RunResult:
    warm_up = WarmUp(len(plan.clients), math.ceil(warmup_uploads / len(plan.clients)), on_warm)
    run = LoadRun(base_url, plan, run_id, timeout, warm_up)
    await run.drive()
    final = await run.final_check()
    return RunResult(run.load, final, run.ledger)
