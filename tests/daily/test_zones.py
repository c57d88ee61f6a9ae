"""Which time zone names are accepted: a place's Area/Location name, UTC, or an Etc/ offset.

zoneinfo.available_timezones() lists every file under the zone directory, so it also holds the
host's own zone (`localtime`), a placeholder (`Factory`), POSIX rules (`EST5EDT`) and old aliases
(`US/Eastern`, `GB`): none of them is a zone name to schedule a channel's post in.
"""

from __future__ import annotations

import re
import zoneinfo
from zoneinfo import ZoneInfo

import pytest

from bot.core.daily import Daily
from bot.daily.arguments import parse_schedule
from bot.daily.service import DailyService
from bot.daily.zones import complete_timezones, known_timezone, resolve_timezone, suggest_timezones
from bot.errors import CommandError
from bot.store import Store
from tests.daily.service.helpers import MONDAY_MORNING, who
from tests.support.clock import FakeClock
from tests.test_cli import mltip

RULE = re.compile(
    r"(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?"
    r"|UTC|Etc/UTC|Etc/GMT([+-]([0-9]|1[0-4]))?"
)
NOT_ZONES = ["localtime", "Factory", "posixrules", "EST5EDT", "US/Eastern", "GB", "Japan", "Zulu", "Etc/Zulu"]


@pytest.mark.parametrize("name", NOT_ZONES)
def test_a_host_setting_placeholder_or_old_alias_is_refused(name: str) -> None:
    assert known_timezone(name) is None and known_timezone(name.lower()) is None
    with pytest.raises(CommandError, match=r"Europe/Berlin"):
        resolve_timezone(name)
    with pytest.raises(CommandError):
        parse_schedule(["09:00", name])


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "America/Argentina/Buenos_Aires", "Antarctica/Troll", "UTC", "Etc/UTC", "Etc/GMT-14"]
)
def test_areas_locations_utc_and_etc_offsets_are_accepted(name: str) -> None:
    assert resolve_timezone(name).key == name and known_timezone(name.upper()) == name


def test_every_name_offered_or_accepted_follows_the_rule() -> None:
    offered = complete_timezones("", limit=10_000)
    assert len(offered) > 400 and all(RULE.fullmatch(name) for name in offered), [
        n for n in offered if not RULE.fullmatch(n)
    ]
    real = {name for name in zoneinfo.available_timezones() if RULE.fullmatch(name)}
    assert set(offered) == real | {"UTC"}
    for typed in ("loc", "local", "fact", "eastern", "zulu", "posix"):
        assert all(RULE.fullmatch(name) for name in complete_timezones(typed) + suggest_timezones(typed))


def test_gmt_is_pointed_at_its_etc_name() -> None:
    with pytest.raises(CommandError, match=r"Did you mean Etc/GMT\b"):
        resolve_timezone("GMT")


@pytest.mark.parametrize("name", ["localtime", "Factory"])
def test_the_default_zone_must_be_a_real_zone_at_start_up(name: str) -> None:
    refused = mltip("check-config", env={"MLTIP_DEFAULT_TIMEZONE": name})
    assert refused.returncode == 1 and "MLTIP_DEFAULT_TIMEZONE" in refused.stdout, refused.stdout
    assert mltip("run", env={"MLTIP_DEFAULT_TIMEZONE": name}, stdin="").returncode == 2


def test_the_default_zone_may_be_typed_in_any_case(store: Store) -> None:
    service = DailyService(store, clock=FakeClock(MONDAY_MORNING), default_zone="europe/berlin")
    reply = service.handle(Daily(args=("09:00",)), who())
    assert "at 09:00 Europe/Berlin time" in reply.text


def test_resolve_timezone() -> None:
    assert resolve_timezone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert resolve_timezone("europe/berlin").key == "Europe/Berlin"
    assert resolve_timezone(" America/New York ").key == "America/New_York"
    assert resolve_timezone("UTC").key == "UTC"
    assert resolve_timezone("utc").key == "UTC"


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Europe/Berlim", "Did you mean Europe/Berlin?"),
        ("Berlin", "Did you mean Europe/Berlin?"),
        ("Australia/Sidney", "Did you mean Australia/Sydney?"),
        ("Kolkatta", "Did you mean Asia/Kolkata?"),
    ],
)
def test_unknown_timezone_suggests_close_names(text: str, suggestion: str) -> None:
    with pytest.raises(CommandError) as raised:
        resolve_timezone(text)
    assert str(raised.value) == f"Unknown time zone {text!r}. {suggestion}"


def test_unknown_timezone_suggests_at_most_three() -> None:
    with pytest.raises(CommandError, match=r"Did you mean") as raised:
        resolve_timezone("America/Santa")
    suggested = str(raised.value).split("Did you mean ", 1)[1].rstrip("?").replace(" or ", ", ").split(", ")
    assert 1 <= len(suggested) <= 3


def test_unknown_timezone_without_anything_close() -> None:
    with pytest.raises(CommandError, match=r"IANA name such as Europe/Berlin"):
        resolve_timezone("Nowhere/Atlantis-9")


def test_complete_timezones_puts_prefixes_first() -> None:
    assert complete_timezones("europe/ber")[0] == "Europe/Berlin"
    assert complete_timezones("kolk") == ["Asia/Kolkata"]
    assert len(complete_timezones("a", limit=25)) == 25
