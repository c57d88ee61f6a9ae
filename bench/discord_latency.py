"""Interaction latency: INTERACTION_CREATE -> callback at the fake Discord, for /mltip <question>,
through `mltip run` beside a bare discord.py client answering a constant; 2,000 at 32 in flight."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import tempfile
import time

from bench.common import Report
from bench.load import LoadResult, free_port, report_pairs, start_process
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


ROUNDS = 6  # alternate bare and ours, so drift on a shared machine hits both alike


async def start_side(args: list[str]) -> tuple[FakeDiscord, subprocess.Popen[bytes]]:
    fake = FakeDiscord(spec=None)  # no schema validation here: it would tax both sides' timings
    await fake.start()
    env = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "MLTIP_HTTP_PORT": str(free_port()),
        "MLTIP_DATA_DIR": tempfile.mkdtemp(prefix="mltip-bench-"),
    }
    process = start_process(args, env)
    await fake.wait_for(lambda: fake.command_definition() if fake.commands else None, timeout=60)
    return fake, process


async def compare(report: Report) -> None:
    asked = questions()
    sides = {"bare": ["bench/bare_discord_client.py"], "ours": ["-m", "bot", "run"]}
    started = {side: await start_side(args) for side, args in sides.items()}
    results: dict[str, list[LoadResult]] = {"bare": [], "ours": []}
    try:
        await asyncio.sleep(0.5)  # let both clients settle after READY
        for fake, _ in started.values():
            await run_interactions(fake, asked, WARMUP)
        for _ in range(ROUNDS):
            for side, (fake, _) in started.items():
                latencies, seconds = await run_interactions(fake, asked, TOTAL // ROUNDS)
                results[side].append(LoadResult(latencies, seconds, 0))
                fake.requests.clear()
    finally:
        for fake, process in started.values():
            process.terminate()
            process.wait(10)
            await fake.close()
    report_pairs(report, "discord", "int/s", results["bare"], results["ours"])


def run(report: Report) -> None:
    print("discord latency", flush=True)
    os.environ.pop("SLACK_BOT_TOKEN", None)
    asyncio.run(compare(report))
