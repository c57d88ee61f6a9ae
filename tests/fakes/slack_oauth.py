"""The fake Slack's side of the OAuth install flow: approving an install, then oauth.v2.access.

`grant()` is a workspace admin approving the install on Slack's authorize page (Slack would then
redirect the browser back to the bot with that code); oauth.v2.access swaps the code, once, for a
new bot token of that workspace, which the Web API accepts from then on.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "0c9a1a9d3e4f5b6c7d8e9f0a1b2c3d4e"
APP_ID = "A111"
SCOPE = "commands,chat:write,users:read,im:write"


@dataclass(frozen=True)
class Grant:
    """An install an admin approved on Slack's authorize page, waiting for oauth.v2.access."""

    team_id: str
    team_name: str
    installer: str
    scope: str


@dataclass
class OAuthSide:
    """Bot tokens the Web API accepts, which workspace each belongs to, and pending grants."""

    bot_tokens: set[str] = field(default_factory=set)
    token_teams: dict[str, str] = field(default_factory=dict)  # bot token -> its workspace (default TEAM_ID)
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    grants: dict[str, Grant] = field(default_factory=dict)  # OAuth code -> the install it stands for

    def grant(self, team_id: str, team_name: str = "", *, installer: str = "U0INSTALLER", scope: str = SCOPE) -> str:
        """An admin of `team_id` approves the install; returns the code Slack redirects back with."""
        code = f"{team_id}.{uuid.uuid4().hex[:12]}"
        self.grants[code] = Grant(team_id, team_name or team_id, installer, scope)
        return code

    def token_of(self, team_id: str) -> str:
        """The newest bot token oauth.v2.access issued for `team_id`."""
        return [token for token, team in self.token_teams.items() if team == team_id][-1]

    def revoke(self, token: str) -> None:
        """Slack revokes the token: from now on every call with it gets invalid_auth."""
        self.bot_tokens.discard(token)

    def oauth_access(self, authorization: str, params: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: client credentials (HTTP Basic, or in the body) and a one-time code."""
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        else:
            client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self.grants.pop(params.get("code") or "", None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-{grant.team_id}-{uuid.uuid4().hex[:10]}-{uuid.uuid4().hex[:24]}"
        self.bot_tokens.add(token)
        self.token_teams[token] = grant.team_id
        # As Slack answers a bot-only install (https://api.slack.com/methods/oauth.v2.access).
        return {
            "ok": True,
            "app_id": APP_ID,
            "authed_user": {"id": grant.installer},
            "scope": grant.scope,
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": f"UBOT{grant.team_id}",
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
