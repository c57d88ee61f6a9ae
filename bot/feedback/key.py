"""The key of voters' pseudonyms: MLTIP_SECRET_KEY, or one generated once and kept in the data directory.

A vote is stored under HMAC-SHA256(key, platform|workspace|user), so the database never holds a
user id, and whoever reads it cannot tell who voted without the key. The same person must get the
same pseudonym on every start and on every replica, or their second press would count twice:
replicas sharing a database need the same MLTIP_SECRET_KEY (check-config warns on PostgreSQL
without one). Changing the key starts everyone's votes afresh (old ones still count, once each).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings

KEY_FILE = "secret_key"


@dataclass(frozen=True, slots=True)
class VoterKey:
    """The key, and where it came from (for `mltip check-config`)."""

    key: bytes
    origin: str


def key_path(settings: Settings) -> Path:
    """Where the generated key is kept when MLTIP_SECRET_KEY is unset."""
    return settings.data_dir / KEY_FILE


def key_origin(settings: Settings) -> str:
    """Where the key comes from, in words, without creating anything."""
    if settings.secret_key:
        return "MLTIP_SECRET_KEY"
    path = key_path(settings)
    if path.exists():
        return f"{path} (generated; set MLTIP_SECRET_KEY to choose it)"
    return f"{path}, generated on the first start (or set MLTIP_SECRET_KEY)"


def voter_key(settings: Settings) -> VoterKey:
    """MLTIP_SECRET_KEY's key, else the data directory's (created, readable by its owner only, if new)."""
    if settings.secret_key:
        return VoterKey(settings.secret_key.encode(), "MLTIP_SECRET_KEY")
    path = key_path(settings)
    return VoterKey(_read_or_create(path), key_origin(settings))


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: two processes starting
        # together cannot both create it, and neither can read it half-written.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip().encode()
