"""The floor for Discord latency: a bare discord.py client whose /mltip answers a constant."""

from __future__ import annotations

import os

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

Route.BASE = os.environ["DISCORD_API_URL"].rstrip("/")  # already ends in /api/v10
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])

client = discord.Client(intents=discord.Intents.none())
tree = app_commands.CommandTree(client)


@tree.command(name="mltip", description="A lesson of ML career advice")
async def mltip(interaction: discord.Interaction, query: str | None = None) -> None:
    await interaction.response.send_message("A constant answer.", ephemeral=True)


@client.event
async def on_ready() -> None:
    await tree.sync()


if __name__ == "__main__":
    client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
