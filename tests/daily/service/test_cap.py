"""MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE: a new channel beyond the cap is refused, clearly and race-free."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.core.daily import Invocation
from bot.daily.service import DailyService
from bot.errors import CommandError
from bot.store import Platform, Store
from tests.daily.service.helpers import MONDAY_MORNING, daily
from tests.store import workers
from tests.support.clock import FakeClock
from tests.support.processes import run_replicas

REFUSAL = (
    "This workspace already has 2 channels with a tip of the day, the most one workspace may have."
    " Stop it in a channel that no longer needs it (/mltip daily off there), or ask whoever runs mltip"
    " to raise MLTIP_MAX_SUBSCRIPTIONS_PER_WORKSPACE."
)


def admin_in(channel: str, *, workspace: str = "T1", platform: Platform = Platform.SLACK) -> Invocation:
    return Invocation(
        platform=platform, workspace_id=workspace, channel_id=channel, user_id="U1", user_name="ana", can_manage=True
    )


@pytest.fixture
def capped(store: Store, clock: FakeClock) -> DailyService:
    return DailyService(store, clock=clock, max_subscriptions_per_workspace=2)


def test_a_new_channel_beyond_the_cap_is_refused_with_what_to_do(capped: DailyService, store: Store) -> None:
    daily(capped, "09:00 Europe/Berlin", admin_in("C1"))
    daily(capped, "09:00 Europe/Berlin", admin_in("C2"))
    with pytest.raises(CommandError) as refused:
        daily(capped, "09:00 Europe/Berlin", admin_in("C3"))
    assert str(refused.value) == REFUSAL
    assert len(store.subscriptions.active()) == 2
    daily(capped, "10:00 Europe/Berlin", admin_in("C3", workspace="T2"))  # another workspace has its own cap
    with pytest.raises(CommandError, match=r"^This server already has 2 channels"):
        for channel in ("D1", "D2", "D3"):
            daily(capped, "09:00 UTC", admin_in(channel, platform=Platform.DISCORD))


def test_at_the_cap_a_subscribed_channel_may_still_change_its_schedule(capped: DailyService, store: Store) -> None:
    daily(capped, "09:00 Europe/Berlin", admin_in("C1"))
    daily(capped, "09:00 Europe/Berlin", admin_in("C2"))
    again = daily(capped, "09:00 Europe/Berlin", admin_in("C1"))
    changed = daily(capped, "7:30 pm Asia/Kolkata weekdays", admin_in("C1"))
    assert again.title.endswith("already set (nothing changed)") and changed.title.endswith("schedule changed")
    daily(capped, "off", admin_in("C2"))
    assert daily(capped, "09:00 Europe/Berlin", admin_in("C3")).title.endswith("subscribed")  # room again


def test_the_default_cap_is_500(store: Store) -> None:
    assert DailyService(store).max_subscriptions_per_workspace == 500


def test_concurrent_subscribes_never_pass_the_cap(store: Store) -> None:
    cap, channels = 5, 24
    service = DailyService(store, clock=FakeClock(MONDAY_MORNING), max_subscriptions_per_workspace=cap)
    start = threading.Barrier(channels)

    def subscribe(n: int) -> str:
        start.wait()
        try:
            return daily(service, "09:00 Europe/Berlin", admin_in(f"C{n}")).title
        except CommandError as refused:
            return str(refused)

    with ThreadPoolExecutor(max_workers=channels) as pool:
        answers = list(pool.map(subscribe, range(channels)))
    assert sum(a.endswith("subscribed") for a in answers) == cap
    assert answers.count(REFUSAL.replace("2 channels", f"{cap} channels")) == channels - cap
    assert len(store.subscriptions.active([Platform.SLACK])) == cap


@pytest.mark.process
def test_replicas_subscribing_at_once_never_pass_the_cap(store: Store, database_url: str) -> None:
    cap, replicas, each = 5, 4, 6
    shares = [(database_url, cap, range(n * each, (n + 1) * each)) for n in range(replicas)]
    answers = [answer for reported in run_replicas(workers.subscribe_channels, shares) for answer in reported]
    assert sum(a.endswith("subscribed") for a in answers) == cap
    assert sum(a.startswith(f"This workspace already has {cap} channels") for a in answers) == replicas * each - cap
    assert len(store.subscriptions.active([Platform.SLACK])) == cap
