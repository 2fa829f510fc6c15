import pytest

from gateway.moving_windows import MovingWindows


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def windows(clock) -> MovingWindows:
    return MovingWindows(clock)


def test_hits_up_to_the_limit_are_counted_then_the_wait_is_until_the_oldest_leaves(clock, windows):
    assert windows.hit("a", 2, 60) is None
    clock.now += 10
    assert windows.hit("a", 2, 60) is None
    clock.now += 5
    assert windows.hit("a", 2, 60) == 45


def test_a_refused_hit_is_not_counted(clock, windows):
    assert windows.hit("a", 1, 60) is None
    clock.now += 30
    assert windows.hit("a", 1, 60) == 30
    clock.now += 30
    assert windows.hit("a", 1, 60) is None


def test_slots_free_one_at_a_time_as_hits_leave_the_window(clock, windows):
    assert windows.hit("a", 2, 1) is None
    clock.now += 0.6
    assert windows.hit("a", 2, 1) is None
    assert windows.hit("a", 2, 1) == pytest.approx(0.4)
    clock.now += 0.5
    assert windows.hit("a", 2, 1) is None
    assert windows.hit("a", 2, 1) is not None


def test_keys_are_counted_apart(clock, windows):
    assert windows.hit("a", 1, 60) is None
    assert windows.hit("b", 1, 60) is None
    assert windows.hit("a", 1, 60) is not None


def test_a_limit_of_zero_refuses_for_a_whole_period(clock, windows):
    assert windows.hit("a", 0, 60) == 60


def test_keys_whose_hits_all_left_their_window_are_forgotten(clock, windows):
    for client in range(100):
        windows.hit(client, 5, 60)
    assert len(windows) == 100
    clock.now += 61
    windows.hit("new", 5, 60)
    assert len(windows) == 1


def test_a_key_still_in_its_window_is_kept_through_a_sweep(clock, windows):
    windows.hit("old", 1, 60)
    clock.now += 50
    windows.hit("recent", 1, 60)
    clock.now += 20
    assert windows.hit("other", 1, 60) is None
    assert windows.hit("recent", 1, 60) == 40
