"""Scaling out: several `mltip run` processes behind one HTTP endpoint, sharing one database,
with Discord's shards split between them."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.core.weekdays import EVERY_DAY
from bot.store import ChannelKey, Platform, Store
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.fakes.slack_server import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.ports import free_port
from tests.support.processes import start_mltip_run
from tests.support.waiting import wait_until_ok

pytestmark = pytest.mark.process

REPLICAS = 2
CHANNELS = 60


async def round_robin(backends: list[str]) -> tuple[web.AppRunner, str, Counter[str]]:
    """The one public endpoint: a tiny load balancer handing requests to each replica in turn."""
    turn = itertools.cycle(backends)
    served: Counter[str] = Counter()

    async def forward(request: web.Request) -> web.Response:
        backend = next(turn)
        served[backend] += 1
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith(("x-slack", "content-type"))}
        async with (
            aiohttp.ClientSession() as http,
            http.post(backend + request.path, data=await request.read(), headers=headers) as answer,
        ):
            return web.Response(status=answer.status, body=await answer.read(), content_type=answer.content_type)

    app = web.Application()
    app.router.add_post("/slack/events", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", served


async def test_replicas_share_the_endpoint_the_database_and_the_shards(
    database_url: str, store: Store, tmp_path: Path
) -> None:
    fire = (datetime.now(UTC) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    for n in range(CHANNELS):
        key = ChannelKey(platform=Platform.SLACK, workspace_id=f"T{n % 6}", channel_id=f"C{n}")
        store.subscriptions.subscribe(
            key, local_time=fire.time(), timezone="UTC", weekdays=EVERY_DAY, actor="U", now=fire - timedelta(days=1)
        )
    slack = await FakeSlack().start()
    discord = FakeDiscord()
    await discord.start()
    ports = [free_port() for _ in range(REPLICAS)]
    replicas = []
    for shard, port in enumerate(ports):
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "DISCORD_TOKEN": discord.token,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "DISCORD_SHARD_COUNT": str(REPLICAS),
            "DISCORD_SHARD_IDS": str(shard),
            "MLTIP_DATABASE_URL": database_url,
            "MLTIP_HTTP_PORT": str(port),
            "MLTIP_DATA_DIR": str(tmp_path / f"replica{shard}"),
            "MLTIP_WORKER_ID": f"replica-{shard}",
        }
        replicas.append(await start_mltip_run(env))
    balancer, endpoint, served = await round_robin([f"http://127.0.0.1:{p}" for p in ports])
    try:
        async with aiohttp.ClientSession() as http:
            for port in ports:  # both replicas up and ready
                await wait_until_ok(f"http://127.0.0.1:{port}/readyz", timeout=30)
            for _ in range(6):  # commands through the one endpoint reach both replicas
                body = slash_command_body("kaggle", slack.response_url())
                async with http.post(
                    f"{endpoint}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)
                ) as answer:
                    assert answer.status == 200
                    assert "Vladimir Iglovikov" in json.dumps(json.loads(await answer.text())["blocks"])
        assert sorted(served.values()) == [3, 3]
        shards = sorted(c.session.shard for c in discord.gateway.live() if c.session and c.session.shard)
        assert shards == [(0, REPLICAS), (1, REPLICAS)]  # each process runs its own shard
        exchange = await discord.command("papers")  # answered by whichever replica owns the guild's shard
        assert exchange.callback["data"]["embeds"]
        await slack.wait_for(lambda: len(slack.calls_to("chat.postMessage")) >= CHANNELS, timeout=60)
        await asyncio.sleep(1.0)  # time enough for a duplicate to show up, if there were one
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        results = [await asyncio.wait_for(r.communicate(), 60) for r in replicas]
        await balancer.cleanup()
        await discord.close()
        await slack.stop()
    for replica, (_, stderr) in zip(replicas, results, strict=True):
        assert replica.returncode == 0, stderr.decode()[-2000:]
    posts = Counter(call.params["channel"] for call in slack.calls_to("chat.postMessage"))
    assert posts == Counter({f"C{n}": 1 for n in range(CHANNELS)})  # one tip per channel across replicas
