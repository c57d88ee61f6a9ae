"""Schedule rules and holds as stored data: kept exactly, audited, and checked by the database itself."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.core.cadence import Cadence
from bot.store import AuditAction, Hold, Platform, Store
from bot.store.tables import subscriptions
from tests.store.helpers import NOW, channel


@pytest.mark.parametrize("cadence", [Cadence.every(3, anchor=date(2024, 7, 16)), Cadence.monthly(31)])
def test_a_rule_is_kept_and_changing_it_is_audited(store: Store, cadence: Cadence) -> None:
    key = channel("C1")
    made = store.subscriptions.subscribe(
        key, local_time=time(9), timezone="Europe/Berlin", cadence=cadence, actor="U1", now=NOW
    )
    assert made.cadence == cadence and store.subscriptions.get(key) == made
    back = store.subscriptions.subscribe(
        key,
        local_time=time(9),
        timezone="Europe/Berlin",
        cadence=Cadence.on_weekdays(made.weekdays),
        actor="U1",
        now=NOW,
    )
    assert back.cadence == Cadence()
    change = store.subscriptions.audit(Platform.SLACK, "T1", "C1")[0]
    assert change.action is AuditAction.CHANGE and change.details["before"]["repeat"] == cadence.repeat.value


def test_holds_are_set_cleared_audited_once_and_resume_ends_a_pause_until(store: Store) -> None:
    key = channel("C1")
    store.subscriptions.subscribe(key, local_time=time(9), timezone="UTC", cadence=Cadence(), actor="U1", now=NOW)
    skip = store.subscriptions.hold(key, Hold.SKIP, date(2024, 7, 16), actor="U1", now=NOW)
    again = store.subscriptions.hold(key, Hold.SKIP, date(2024, 7, 16), actor="U1", now=NOW + timedelta(seconds=1))
    assert skip is not None and skip.skip_date == date(2024, 7, 16) and again == skip  # a replay changes nothing
    until = store.subscriptions.hold(key, Hold.PAUSE_UNTIL, date(2027, 1, 4), actor="U2", now=NOW)
    assert until is not None and until.paused_until == date(2027, 1, 4) and not until.paused
    resumed = store.subscriptions.resume(key, actor="U3", now=NOW)
    assert resumed is not None and resumed.paused_until is None and resumed.skip_date == date(2024, 7, 16)
    actions = [entry.action for entry in store.subscriptions.audit(Platform.SLACK, "T1", "C1")]
    assert actions == [AuditAction.RESUME, AuditAction.PAUSE_UNTIL, AuditAction.SKIP, AuditAction.SUBSCRIBE]
    assert store.subscriptions.hold(channel("nope"), Hold.SKIP, None, actor="U1", now=NOW) is None


@pytest.mark.parametrize(
    "values",
    [
        {"repeat": "fortnightly"},
        {"repeat": "every_n_days", "every_days": 2},  # no anchor
        {"repeat": "every_n_days", "every_days": 1, "anchor_date": date(2024, 7, 15)},
        {"repeat": "monthly", "month_day": 32},
        {"repeat": "weekdays", "month_day": 1},
    ],
)
def test_the_database_refuses_an_inconsistent_rule(store: Store, values: dict[str, object]) -> None:
    store.subscriptions.subscribe(
        channel("C1"), local_time=time(9), timezone="UTC", cadence=Cadence(), actor="U", now=NOW
    )
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(update(subscriptions).values(**values))
