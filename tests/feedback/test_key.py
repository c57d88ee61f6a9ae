"""The voter key: MLTIP_SECRET_KEY, or one generated once in the data directory, owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError
from bot.feedback.key import key_origin, voter_key
from tests.test_cli import mltip


def test_without_mltip_secret_key_one_is_generated_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    settings = Settings.from_env({"MLTIP_DATA_DIR": str(tmp_path / "data")})
    assert "generated on the first start" in key_origin(settings)
    first = voter_key(settings)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.key) == 64 and first.origin.startswith(str(path))
    assert voter_key(settings).key == first.key  # the same on every start
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_mltip_secret_key_is_used_as_given_and_must_not_be_short(tmp_path: Path) -> None:
    settings = Settings.from_env({"MLTIP_SECRET_KEY": "0123456789abcdef0123", "MLTIP_DATA_DIR": str(tmp_path)})
    assert voter_key(settings).key == b"0123456789abcdef0123" and voter_key(settings).origin == "MLTIP_SECRET_KEY"
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ConfigError, match="MLTIP_SECRET_KEY must be at least 16 characters"):
        Settings.from_env({"MLTIP_SECRET_KEY": "short"})


def test_question_retention_is_read_and_checked() -> None:
    assert Settings.from_env({}).question_retention_days == 90
    assert Settings.from_env({"MLTIP_QUESTION_RETENTION_DAYS": "30"}).question_retention_days == 30
    with pytest.raises(ConfigError, match="MLTIP_QUESTION_RETENTION_DAYS"):
        Settings.from_env({"MLTIP_QUESTION_RETENTION_DAYS": "0"})


def test_check_config_says_where_the_key_comes_from(tmp_path: Path) -> None:
    generated = mltip("check-config", env={"MLTIP_DATA_DIR": str(tmp_path)})
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert f"keyed with {tmp_path / 'secret_key'}, generated on the first start" in generated.stdout
    given = mltip("check-config", env={"MLTIP_DATA_DIR": str(tmp_path), "MLTIP_SECRET_KEY": "x" * 20})
    assert "keyed with MLTIP_SECRET_KEY" in given.stdout and "x" * 20 not in given.stdout
