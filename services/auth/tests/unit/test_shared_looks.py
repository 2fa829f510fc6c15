import asyncio
import time

import pytest

from auth_service.shared_looks import LookCancelled, SharedLooks


class FakeStream:
    """Each look notes the stream's last sequence as it begins and ends when the test says so."""

    def __init__(self) -> None:
        self.last_sequence = 0
        self.looks: list[int] = []  # the last sequence each look saw, in the order they began
        self.running = 0
        self.cancelled = 0
        self._ends: list[asyncio.Future[None]] = []
        self.tasks: list[asyncio.Task[object]] = []  # each look's

    def publish(self) -> None:
        self.last_sequence += 1

    async def look(self) -> None:
        self.looks.append(self.last_sequence)
        self.tasks.append(asyncio.current_task())
        end = asyncio.get_running_loop().create_future()
        self._ends.append(end)
        self.running += 1
        try:
            await end
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            self.running -= 1

    def end_look(self, error: Exception | None = None) -> None:
        end = next(end for end in self._ends if not end.done())
        if error is None:
            end.set_result(None)
        else:
            end.set_exception(error)


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


@pytest.fixture
def stream() -> FakeStream:
    return FakeStream()


@pytest.fixture
def looks(stream: FakeStream) -> SharedLooks:
    return SharedLooks(stream.look)


async def test_callers_arriving_together_share_one_look(stream: FakeStream, looks: SharedLooks) -> None:
    callers = [asyncio.create_task(looks.wait(timeout=5)) for _ in range(20)]
    await settle()

    stream.end_look()
    await asyncio.gather(*callers)

    assert stream.looks == [0]


async def test_a_caller_arriving_during_a_look_waits_for_the_next_one(
    stream: FakeStream, looks: SharedLooks
) -> None:
    early = asyncio.create_task(looks.wait(timeout=5))
    await settle()
    stream.publish()  # after the first look began: only a later look can see it
    late = asyncio.create_task(looks.wait(timeout=5))
    await settle()

    stream.end_look()
    await early
    await settle()
    assert not late.done()
    assert stream.looks == [0, 1]

    stream.end_look()
    await late


async def test_callers_arriving_during_one_look_share_the_next(
    stream: FakeStream, looks: SharedLooks
) -> None:
    first = asyncio.create_task(looks.wait(timeout=5))
    await settle()
    during = [asyncio.create_task(looks.wait(timeout=5)) for _ in range(10)]
    await settle()

    stream.end_look()
    await first
    await settle()
    stream.end_look()
    await asyncio.gather(*during)

    assert stream.looks == [0, 0]
    assert stream.running == 0


async def test_a_caller_after_a_finished_look_starts_a_fresh_one(
    stream: FakeStream, looks: SharedLooks
) -> None:
    first = asyncio.create_task(looks.wait(timeout=5))
    await settle()
    stream.end_look()
    await first

    stream.publish()
    second = asyncio.create_task(looks.wait(timeout=5))
    await settle()
    stream.end_look()
    await second

    assert stream.looks == [0, 1]


async def test_each_caller_gives_up_after_its_own_timeout(stream: FakeStream, looks: SharedLooks) -> None:
    patient = asyncio.create_task(looks.wait(timeout=5))
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await looks.wait(timeout=0.05)

    assert time.monotonic() - started < 1
    assert not patient.done()
    stream.end_look()
    await patient


async def test_a_look_everyone_gave_up_on_is_cancelled_and_the_next_caller_gets_a_fresh_one(
    stream: FakeStream, looks: SharedLooks
) -> None:
    with pytest.raises(TimeoutError):
        await looks.wait(timeout=0.05)
    await settle()
    assert (stream.running, stream.cancelled) == (0, 1)

    stream.publish()
    later = asyncio.create_task(looks.wait(timeout=5))
    await settle()
    stream.end_look()
    await later
    assert stream.looks == [0, 1]


async def test_a_look_goes_on_for_the_callers_still_waiting_when_another_cancels(
    stream: FakeStream, looks: SharedLooks
) -> None:
    leaving = asyncio.create_task(looks.wait(timeout=5))
    staying = asyncio.create_task(looks.wait(timeout=5))
    await settle()

    leaving.cancel()
    await settle()
    stream.end_look()

    await staying
    assert leaving.cancelled() and stream.cancelled == 0


async def test_a_looks_error_reaches_every_caller_of_that_look_only(
    stream: FakeStream, looks: SharedLooks
) -> None:
    failing = [asyncio.create_task(looks.wait(timeout=5)) for _ in range(3)]
    await settle()
    next_look = asyncio.create_task(looks.wait(timeout=5))
    await settle()

    stream.end_look(ConnectionError("no responders"))
    outcomes = await asyncio.gather(*failing, return_exceptions=True)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)

    await settle()
    stream.end_look()
    await next_look


async def test_a_look_cancelled_from_outside_fails_its_callers_without_cancelling_them(
    stream: FakeStream, looks: SharedLooks
) -> None:
    caller = asyncio.create_task(looks.wait(timeout=5))
    await settle()

    stream.tasks[0].cancel()  # as at the event loop's shutdown
    await settle()

    with pytest.raises(LookCancelled):
        await caller
    assert not caller.cancelled()
