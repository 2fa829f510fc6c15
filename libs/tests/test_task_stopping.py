import asyncio
import logging
import sys

import pytest

from fileuploader_runtime.task_stopping import cancel_and_wait


def reconnecting_forever(attempts: asyncio.Queue[asyncio.Future[None]]) -> asyncio.Task[None]:
    """A retry loop around asyncio.wait_for, as nats-py's connect is: every failed attempt is tried again."""

    async def reconnect() -> None:
        while True:
            attempt = asyncio.get_running_loop().create_future()
            attempts.put_nowait(attempt)
            try:
                await asyncio.wait_for(attempt, 60)
            except ConnectionRefusedError:
                continue

    return asyncio.create_task(reconnect(), name="reconnecting")


async def cancelled_as_an_attempt_fails(task: asyncio.Task[None], attempts: asyncio.Queue) -> None:
    attempt = await attempts.get()
    await asyncio.sleep(0)
    attempt.set_exception(ConnectionRefusedError())
    task.cancel()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12's wait_for no longer swallows it")
async def test_one_cancellation_arriving_as_an_attempt_fails_is_swallowed_by_wait_for():
    """What cancel_and_wait is for (Python 3.11): the task goes on after task.cancel()."""
    attempts: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()
    task = reconnecting_forever(attempts)

    await cancelled_as_an_attempt_fails(task, attempts)
    await asyncio.wait([task], timeout=0.3)

    still_running = not task.done()
    await cancel_and_wait([task])
    assert still_running


async def test_a_task_whose_cancellation_was_swallowed_is_stopped():
    attempts: asyncio.Queue[asyncio.Future[None]] = asyncio.Queue()
    task = reconnecting_forever(attempts)
    await cancelled_as_an_attempt_fails(task, attempts)

    await asyncio.wait_for(cancel_and_wait([task]), timeout=5)

    assert task.cancelled()


async def test_a_task_that_will_not_stop_is_left_after_the_bound_and_named(caplog):
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)

    with caplog.at_level(logging.WARNING):
        started = asyncio.get_running_loop().time()
        await cancel_and_wait([task], within_seconds=0.5)
        took = asyncio.get_running_loop().time() - started

    assert 0.5 <= took < 2 and not task.done()
    assert "1 task(s) still running 0.5 s after cancelling: stubborn" in caplog.text
    released.set()
    await cancel_and_wait([task])


async def test_what_a_task_raised_is_retrieved_not_raised():
    async def failing() -> None:
        raise RuntimeError("its own failure")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)

    await cancel_and_wait([task])

    assert isinstance(task.exception(), RuntimeError)
