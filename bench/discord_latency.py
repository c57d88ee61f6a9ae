"""Interaction latency: INTERACTION_CREATE -> callback at the fake Discord, for /mltip <question>,
through `mltip run` beside a bare discord.py client answering a constant; 2,000 at 32 in flight."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import time

from bench.common import Figure, Report, percentile
from bench.load import start_process
from bench.search import questions
from tests.fakes import discord_payloads as p
from tests.fakes.discord_server import FakeDiscord

TOTAL, CONCURRENCY, WARMUP = 2000, 32, 200


async def run_interactions(fake: FakeDiscord, asked: list[str], total: int) -> tuple[list[float], float]:
    rng = random.Random(9)
    definition = fake.command_definition()
    latencies: list[float] = []
    counter = iter(range(total))

    async def one() -> None:
        for _ in counter:
            options = [{"type": 3, "name": "query", "value": rng.choice(asked)}]
            payload = p.interaction(
                p.CHAT_INPUT,
                p.command_data(definition, options),
                application_id=fake.application_id,
                guild_id=fake.guild_id,
                channel_id=fake.channel_id,
                by=fake.member,
            )
            answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            fake.interactions[payload["id"]] = {
                "payload": payload,
                "responded": False,
                "message_id": None,
                "waiter": answered,
            }
            start = time.perf_counter()
            await fake.gateway.dispatch("INTERACTION_CREATE", payload, shard_id=None)
            await asyncio.wait_for(answered, 10)
            latencies.append(time.perf_counter() - start)
            del fake.interactions[payload["id"]]

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
    return latencies, time.perf_counter() - start


async def measure(args: list[str], asked: list[str]) -> tuple[list[float], float]:
    fake = FakeDiscord(spec=None)  # no schema validation here: it would tax both sides' timings
    await fake.start()
    env = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "MLTIP_HTTP_PORT": str(_free_port()),
    }
    process: subprocess.Popen[bytes] = start_process(args, env)
    try:
        await fake.wait_for(lambda: fake.command_definition() if fake.commands else None, timeout=60)
        await asyncio.sleep(0.5)  # let the client settle after READY
        await run_interactions(fake, asked, WARMUP)
        fake.requests.clear()
        return await run_interactions(fake, asked, TOTAL)
    finally:
        process.terminate()
        process.wait(10)
        await fake.close()


def _free_port() -> int:
    from bench.load import free_port

    return free_port()


async def compare(report: Report) -> None:
    asked = questions()
    bare, bare_seconds = await measure(["bench/bare_discord_client.py"], asked)
    ours, ours_seconds = await measure(["-m", "bot", "run"], asked)
    bare_rps, ours_rps = len(bare) / bare_seconds, len(ours) / ours_seconds
    note = f"{TOTAL} interactions at {CONCURRENCY} in flight"
    b50, b99, o50, o99 = (percentile(bare, 50), percentile(bare, 99), percentile(ours, 50), percentile(ours, 99))
    report.add(Figure("discord", "p50 latency", o50 * 1000, b50 * 1000, "ms", "<= 1.2x", o50 <= 1.2 * b50, note))
    report.add(Figure("discord", "p99 latency", o99 * 1000, b99 * 1000, "ms", "<= 1.2x", o99 <= 1.2 * b99))
    report.add(Figure("discord", "throughput", ours_rps, bare_rps, "int/s", ">= 0.8x", ours_rps >= 0.8 * bare_rps))


def run(report: Report) -> None:
    print("discord latency", flush=True)
    os.environ.pop("SLACK_BOT_TOKEN", None)
    asyncio.run(compare(report))
