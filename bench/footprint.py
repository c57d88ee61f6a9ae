"""Footprint: cold start of `mltip tip` (random, and for a question, which loads the semantic
model) beside the bare interpreter and beside importing yaml; resident memory of an idle
`mltip run` with Slack and Discord connected (to the fakes) after one question loaded the model."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import Figure, Report, interleaved_medians, median_time
from bench.load import free_port, start_process
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack

IDLE_SECONDS = 3.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def idle_rss() -> tuple[float, float]:
    """RSS of an idle `mltip run` serving Slack and Discord, and of an idle bare interpreter."""
    slack = await FakeSlack().start()
    discord = FakeDiscord(spec=None)
    await discord.start()
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DISCORD_TOKEN": discord.token,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "MLTIP_HTTP_PORT": str(port),
            "MLTIP_DATA_DIR": data,
        }
        bot: subprocess.Popen[bytes] = start_process(["-m", "bot", "run"], env)
        bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            async with aiohttp.ClientSession() as http:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/readyz") as ready:
                            if ready.status == 200:
                                break
                    except aiohttp.ClientConnectionError:
                        pass
                    await asyncio.sleep(0.1)
                # One question, so the semantic model is loaded, as in any bot that has been asked one.
                body = slash_command_body("should I do a PhD before an ML job", slack.response_url("bench"))
                headers = signed_headers(SIGNING_SECRET, body)
                async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as answer:
                    assert answer.status == 200, await answer.text()
            await asyncio.sleep(IDLE_SECONDS)
            return rss_mib(bot.pid), rss_mib(bare.pid)
        finally:
            bot.terminate()
            bare.kill()
            bot.wait(15)
            await discord.close()
            await slack.stop()


def run(report: Report) -> None:
    print("footprint", flush=True)
    mltip = os.path.join(os.path.dirname(sys.executable), "mltip")
    with tempfile.TemporaryDirectory() as cache_home:
        os.environ["XDG_CACHE_HOME"] = cache_home  # a cache of our own, warmed by the first run
        ask = [mltip, "tip", "how", "do", "I", "stop", "procrastinating", "on", "side", "projects"]
        median_time(ask, runs=1)  # fills the caches, as any earlier run on the machine would have
        found = interleaved_medians(
            {
                "bare": [sys.executable, "-c", "pass"],
                "yaml": [sys.executable, "-c", "import yaml"],
                "tip": [mltip, "tip"],
                "ask": ask,
            },
            runs=21,
        )
        bare, with_yaml, tip, question = found["bare"], found["yaml"], found["tip"], found["ask"]
        del os.environ["XDG_CACHE_HOME"]
    report.add(
        Figure(
            "footprint", "mltip tip cold start vs python -c pass", tip * 1000, bare * 1000, "ms", "< 4x", tip < 4 * bare
        )
    )
    report.add(
        Figure(
            "footprint",
            "mltip tip QUESTION cold start vs python -c pass",
            question * 1000,
            bare * 1000,
            "ms",
            "< 8x",
            question < 8 * bare,
            "SQLite FTS5, the tokenizer tables and the cached lesson products; no numpy",
        )
    )
    report.add(
        Figure(
            "footprint",
            "mltip tip cold start vs python -c 'import yaml'",
            tip * 1000,
            with_yaml * 1000,
            "ms",
            "-",
            True,
        )
    )
    ours, floor = asyncio.run(idle_rss())
    report.add(
        Figure(
            "footprint",
            "idle mltip run RSS (Slack + Discord connected, semantic model loaded) vs idle python",
            ours,
            floor,
            "MiB",
            "< 150 MiB",
            ours < 150,
        )
    )
