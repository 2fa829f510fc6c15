import asyncio

import pytest

from fileuploader_runtime.periodic import run_periodically


async def test_a_cancelled_action_that_turns_the_cancel_into_an_error_still_stops_the_loop():
    started = asyncio.Event()

    async def action() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            raise RuntimeError("interrupted mid-query") from None

    task = asyncio.create_task(run_periodically(action, interval=60, description="test"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=2)


async def test_a_failing_action_is_retried_after_the_interval():
    calls = 0

    async def action() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("down")

    task = asyncio.create_task(run_periodically(action, interval=0.01, description="test"))
    while calls < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
