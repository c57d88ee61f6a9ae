"""What every chat platform does alike (bot/core/conversation.py): where a press's answer goes, the
daily dispatch, and which answers leave the event loop for a worker thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from bot.core.commands import CommandEngine
from bot.core.conversation import Placement, answer, placement, press
from bot.core.daily import Daily, Invocation
from bot.core.feedback import Stats
from bot.core.library import Library
from bot.core.platform import Platform
from bot.core.replies import Reply
from bot.errors import CommandError

WHERE = Invocation(
    platform=Platform.SLACK, workspace_id="T1", channel_id="C1", user_id="U1", user_name="ana", can_manage=True
)


@dataclass
class RecordingDaily:
    """A DailyHandler that says which command it got, from whom, and on which thread."""

    calls: list[tuple[Daily, Invocation, threading.Thread]] = field(default_factory=list)

    def handle(self, command: Daily, invocation: Invocation) -> Reply:
        self.calls.append((command, invocation, threading.current_thread()))
        return Reply(title="Tip of the day", text="status")


def threads_that_answered(engine: CommandEngine) -> list[threading.Thread]:
    seen: list[threading.Thread] = []
    engine.observer = lambda platform, kind, seconds: seen.append(threading.current_thread())
    return seen


def test_another_under_a_private_answer_pages_in_place(engine: CommandEngine) -> None:
    first = engine.run("kaggle")
    another = engine.press(first.actions[0].payload, user="ana")
    assert placement(another, pressed_under_private=True) is Placement.IN_PLACE


def test_another_under_a_public_post_answers_privately(engine: CommandEngine) -> None:
    post = engine.tip_of_the_day(engine.library.lessons[0])
    another = engine.press(post.actions[0].payload, user="ana")
    assert placement(another, pressed_under_private=False) is Placement.PRIVATE


@pytest.mark.parametrize("under_private", [True, False])
def test_share_is_a_new_post_for_the_channel_wherever_it_was_pressed(
    engine: CommandEngine, under_private: bool
) -> None:
    shared = engine.press(engine.run("kaggle").actions[1].payload, user="ana")
    assert placement(shared, pressed_under_private=under_private) is Placement.CHANNEL


async def test_a_daily_command_runs_in_a_worker_thread_for_the_platforms_invocation(library: Library) -> None:
    daily = RecordingDaily()
    engine = CommandEngine(library, daily=daily)
    asked: list[Daily | Stats] = []

    async def invocation(command: Daily | Stats) -> Invocation:
        asked.append(command)
        return WHERE

    reply = await answer(engine, "daily status", platform="slack", invocation=invocation)
    assert reply.title == "Tip of the day"
    [(command, who, thread)] = daily.calls
    assert asked == [command] and command.args == ("status",) and who is WHERE
    assert thread is not threading.current_thread()


async def test_a_refused_invocation_runs_nothing(library: Library) -> None:
    daily = RecordingDaily()
    engine = CommandEngine(library, daily=daily)

    async def outside_a_server(_command: Daily | Stats) -> Invocation:
        raise CommandError("The tip of the day is for server channels.")

    with pytest.raises(CommandError, match="server channels"):
        await answer(engine, "daily off", platform="discord", invocation=outside_a_server)
    assert daily.calls == []


async def test_over_long_text_is_refused_before_the_platform_is_asked_anything(engine: CommandEngine) -> None:
    async def never(_command: Daily | Stats) -> Invocation:
        raise AssertionError("asked who the user is")

    with pytest.raises(CommandError, match="too long"):
        await answer(engine, "daily " + "word " * 200, platform="slack", invocation=never)


async def test_a_new_search_leaves_the_event_loop_and_a_remembered_one_does_not(engine: CommandEngine) -> None:
    async def never(_command: Daily | Stats) -> Invocation:
        raise AssertionError("not a daily command")

    threads = threads_that_answered(engine)
    await answer(engine, "kaggle", platform="slack", invocation=never)
    await answer(engine, "kaggle", platform="slack", invocation=never)
    await answer(engine, "topics", platform="slack", invocation=never)
    loop = threading.current_thread()
    assert [thread is loop for thread in threads] == [False, True, True]


async def test_a_press_for_a_search_not_remembered_leaves_the_event_loop(engine: CommandEngine) -> None:
    threads = threads_that_answered(engine)
    await press(engine, "another|1|kaggle", user="ana", platform="slack")  # a new search
    await press(engine, "another|1|kaggle", user="ana", platform="slack")  # now remembered
    await press(engine, "another|~|", user="ana", platform="slack")  # a random lesson
    loop = threading.current_thread()
    assert [thread is loop for thread in threads] == [False, True, True]
