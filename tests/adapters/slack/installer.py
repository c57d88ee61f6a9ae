"""An admin's browser going through the bot's install flow, and signed requests from many workspaces."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp

from bot.config import Settings
from tests.fakes.slack_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.slack_requests import block_actions_body, json_body, signed_headers, slash_command_body
from tests.fakes.slack_server import SIGNING_SECRET, FakeSlack

STATE_COOKIE = "slack-app-oauth-state"  # bolt's default cookie name
AUTHORIZE_LINK = re.compile(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"')


def oauth_settings(fake: FakeSlack, port: int, **overrides: str) -> Settings:
    """HTTP mode with the install flow: client id and secret, no bot token."""
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "MLTIP_HTTP_PORT": str(port),
        **overrides,
    }
    return Settings.from_env(env)


@dataclass(frozen=True)
class InstallPage:
    """What GET /slack/install gave the browser: the Add to Slack link and the state cookie."""

    status: int
    authorize_url: str
    query: dict[str, str]
    cookie: str
    cookie_flags: dict[str, bool]

    @property
    def state(self) -> str:
        return self.query["state"]


@dataclass
class Installer:
    """Plays the admin's browser and Slack's servers against the bot at `url`.

    The session keeps no cookies of its own: like a browser on HTTPS, it sends back the state
    cookie only where a test says so (bolt marks it Secure, which a cookie jar would not send
    over plain http to 127.0.0.1).
    """

    url: str
    fake: FakeSlack
    http: aiohttp.ClientSession

    async def open_install_page(self) -> InstallPage:
        async with self.http.get(f"{self.url}/slack/install", allow_redirects=False) as response:
            body = await response.text()
            morsel = response.cookies[STATE_COOKIE]
        link = AUTHORIZE_LINK.search(body)
        assert link is not None, body
        authorize_url = html.unescape(link.group(1))
        query = dict(parse_qsl(urlsplit(authorize_url).query, keep_blank_values=True))
        flags = {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"])}
        return InstallPage(response.status, authorize_url, query, morsel.value, flags)

    async def come_back(self, query: dict[str, str], cookie: str | None) -> tuple[int, str]:
        """The browser arriving at /slack/oauth_redirect (with the state cookie, if given)."""
        headers = {"Cookie": f"{STATE_COOKIE}={cookie}"} if cookie is not None else {}
        target = f"{self.url}/slack/oauth_redirect?{urlencode(query)}"
        async with self.http.get(target, headers=headers, allow_redirects=False) as response:
            return response.status, await response.text()

    async def install(self, team_id: str, team_name: str = "") -> str:
        """The whole flow for one workspace; returns the bot's success page."""
        page = await self.open_install_page()
        code = self.fake.grant(team_id, team_name)  # the admin clicks Allow on Slack's page
        status, body = await self.come_back({"code": code, "state": page.state}, page.cookie)
        assert status == 200 and "Thank you!" in body, (status, body)
        return body

    async def command(self, text: str, team_id: str, **fields: str) -> tuple[int, str]:
        """A signed /mltip from `team_id`."""
        response_url = fields.pop("response_url", "") or self.fake.response_url()
        body = slash_command_body(text, response_url, team_id=team_id, **fields)
        async with self.http.post(
            f"{self.url}/slack/events", data=body, headers=signed_headers(SIGNING_SECRET, body)
        ) as response:
            return response.status, await response.text()

    async def press(self, action_id: str, value: str, team_id: str, response_url: str) -> int:
        """A signed button press in `team_id`; returns the HTTP status of the bot's ack."""
        body = block_actions_body(action_id, value, response_url, team_id=team_id)
        headers = signed_headers(SIGNING_SECRET, body)
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def event(self, payload: dict[str, Any]) -> int:
        """A signed Events API delivery; returns the HTTP status of the bot's ack."""
        body, headers = json_body(payload, SIGNING_SECRET)
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response.status


def message(text: str) -> dict[str, Any]:
    """An ack's JSON body."""
    parsed: dict[str, Any] = json.loads(text)
    return parsed
