"""Fixtures shared by every test: the real lesson library, a seeded engine, paths."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core.commands import CommandEngine
from bot.core.library import BUILTIN_CONTENT, Library
from bot.core.loading import load_library
from tests.store.conftest import database_url, store  # noqa: F401  (fixtures for every folder)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library([BUILTIN_CONTENT])


@pytest.fixture
def engine(library: Library) -> CommandEngine:
    return CommandEngine(library, rng=random.Random(7))
