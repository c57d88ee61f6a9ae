"""The test helpers themselves: the fake clock says what the test set, and eventually() cannot pass by timing out."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.daily.pacing import TokenBucket
from tests.support.clock import FakeClock
from tests.support.waiting import eventually

START = datetime(2024, 7, 15, 6, 0, tzinfo=UTC)


def test_a_fake_clock_says_exactly_what_the_test_set() -> None:
    clock = FakeClock(START)
    assert clock() == START and clock.monotonic() == 0.0
    clock.now = datetime(2031, 3, 29, 12, 0, 0, 123457, tzinfo=UTC)
    assert clock() == datetime(2031, 3, 29, 12, 0, 0, 123457, tzinfo=UTC)
    clock.jump(START - timedelta(days=1))  # back in time too
    assert clock.now == START - timedelta(days=1)
    clock.advance(90)
    assert clock() == START - timedelta(days=1) + timedelta(seconds=90)
    assert clock.timestamp() == clock().timestamp()


async def test_sleeping_on_a_fake_clock_moves_it_at_once() -> None:
    clock = FakeClock(START)
    started = time.monotonic()
    await clock.sleep(600)
    await clock.sleep(-5)  # a negative sleep does not turn the clock back
    assert clock() == START + timedelta(minutes=10) and clock.monotonic() == 600.0
    assert time.monotonic() - started < 1.0


async def test_a_token_bucket_on_a_fake_clock_gets_its_tokens_and_never_spins() -> None:
    # A third of a second's refill comes back as 0.9999999999999998 of a token; the bucket then sleeps
    # 7e-17 s, which a float clock at 1.33 s cannot show: the clock must still move.
    clock = FakeClock(START)
    bucket = TokenBucket(rate=3.0, clock=clock.monotonic, sleep=clock.sleep)
    bucket.pause(1 / 3)
    async with asyncio.timeout(5):  # the bug would be an endless loop of zero-length sleeps
        for _ in range(5):
            await bucket.take()
    assert clock.monotonic() == pytest.approx(1 / 3 + 4 / 3)


def test_a_running_clock_follows_the_wall_clock_from_where_it_was_set() -> None:
    clock = FakeClock(START, running=True)
    clock.jump(START + timedelta(days=1))
    time.sleep(0.02)
    assert timedelta(seconds=0.02) <= clock() - (START + timedelta(days=1)) < timedelta(seconds=2)


async def test_eventually_returns_the_first_truthy_result_of_a_plain_or_async_probe() -> None:
    answers = iter([None, 0, "", "found"])
    assert await eventually(lambda: next(answers)) == "found"

    async def ready() -> int | None:
        return 42

    assert await eventually(ready) == 42


async def test_eventually_fails_the_test_with_its_message_when_the_time_is_up() -> None:
    with pytest.raises(AssertionError, match=r"the post never came \(waited 0.05 s\)"):
        await eventually(lambda: False, timeout=0.05, message="the post never came")


async def test_an_error_in_the_probe_is_not_waited_out() -> None:
    def broken() -> bool:
        raise KeyError("no such channel")

    started = time.monotonic()
    with pytest.raises(KeyError):
        await eventually(broken, timeout=5.0)
    assert time.monotonic() - started < 1.0
