import threading

import pytest

from connectors._core.errors import ConfigError
from connectors._core.ratelimit import RateBudget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def assert_within_budget(grants: list[float], calls: int, per_seconds: float) -> None:
    grants = sorted(grants)
    for earlier, later in zip(grants, grants[calls:], strict=False):
        assert later - earlier >= per_seconds - 1e-9, (earlier, later)


def test_blocks_until_a_call_fits():
    clock = FakeClock()
    budget = RateBudget(3, 1.0, clock=clock, sleep=clock.sleep)
    grants = [budget.acquire() - 1000.0 for _ in range(10)]
    assert grants == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    assert_within_budget(grants, 3, 1.0)
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_window_slides():
    clock = FakeClock()
    budget = RateBudget(2, 1.0, clock=clock, sleep=clock.sleep)
    budget.acquire()
    clock.now += 0.6
    budget.acquire()
    clock.now += 0.6  # the first call left the window, the second did not
    assert budget.try_acquire()
    assert not budget.try_acquire()
    assert clock.sleeps == []


def test_never_exceeded_across_real_threads():
    budget = RateBudget(5, 0.05)
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(4):
            granted = budget.acquire()
            with lock:
                grants.append(granted)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert len(grants) == 32
    assert_within_budget(grants, 5, 0.05)
    assert max(grants) - min(grants) >= 0.05 * (32 // 5 - 1)


def test_from_manifest():
    budget = RateBudget.from_manifest({"calls": 40, "per_seconds": 1})
    assert (budget.calls, budget.per_seconds) == (40, 1.0)
    assert RateBudget.from_manifest(None) is None
    assert RateBudget.from_manifest({}) is None


@pytest.mark.parametrize(
    "manifest",
    [
        {"calls": 40},
        {"calls": 40, "per_seconds": 1, "burst": 3},
        {"calls": 0, "per_seconds": 1},
        {"calls": 1.5, "per_seconds": 1},
        {"calls": 10, "per_seconds": 0},
        {"calls": 10, "per_seconds": "1"},
    ],
)
def test_bad_manifest(manifest):
    with pytest.raises(ConfigError, match="rate budget"):
        RateBudget.from_manifest(manifest)
