"""The invite link asks for the least permissions: Send Messages, Embed Links, the thread ones, Pin Messages."""

from __future__ import annotations

import os
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.adapters.discord import invite_url
from bot.adapters.discord.invite import application_id_from_token, user_install_url
from bot.cli import main


def test_invite_url_has_least_permissions_and_both_scopes() -> None:
    url = urlsplit(invite_url(1234567890))
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    assert query["client_id"] == ["1234567890"]
    wanted = (1 << 11) + (1 << 14) + (1 << 35) + (1 << 38) + (1 << 51)  # Send, Embed, 2 thread ones, Pin
    assert query["permissions"] == [str(wanted)]
    assert not int(query["permissions"][0]) & (1 << 13)  # not Manage Messages: it could delete anyone's
    assert query["scope"] == ["bot applications.commands"]


def test_the_application_id_is_read_from_the_token_offline() -> None:
    assert application_id_from_token("MTAwMDAwMDAwMDAwMDAwMDAw.fake.bot-token-never-logged") == 100000000000000000
    assert application_id_from_token("Bot MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.Gx.abc") == 1234567890123456789
    assert application_id_from_token("not a token") is None
    assert application_id_from_token("") is None


def test_the_user_install_link_installs_commands_only_for_one_person() -> None:
    url = urlsplit(user_install_url(1234567890))
    query = parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    assert query == {"client_id": ["1234567890"], "integration_type": ["1"], "scope": ["applications.commands"]}


def test_mltip_discord_invite_url_user_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    token = "MTAwMDAwMDAwMDAwMDAwMDAw.fake.bot-token-never-logged"
    with patch.dict(os.environ, {"DISCORD_TOKEN": token}):
        assert main(["discord", "invite-url", "--user"]) == 0
        assert capsys.readouterr().out.strip() == user_install_url(100000000000000000)
        assert main(["discord", "invite-url"]) == 0
        assert capsys.readouterr().out.strip() == invite_url(100000000000000000)
