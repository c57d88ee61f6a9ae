"""DESIGN.md's boundaries, enforced by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
# library -> the only folder (relative to bot/) allowed to import it
OWNERS = {
    "slack_bolt": "adapters/slack",
    "slack_sdk": "adapters/slack",
    "discord": "adapters/discord",
    "apscheduler": "daily",
    "sqlalchemy": "store",
    "alembic": "store",
}
CORE_ALLOWED_THIRD_PARTY = {"yaml"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


MODULES = sorted(BOT.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(BOT)) for p in MODULES])
def test_only_the_owning_folder_imports_each_library(path: Path) -> None:
    where = path.relative_to(BOT).as_posix()
    for name in imports_of(path):
        owner = OWNERS.get(name)
        assert owner is None or where.startswith(owner + "/"), f"{where} imports {name}; only {owner}/ may"


@pytest.mark.parametrize("path", sorted((BOT / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_uses_only_the_standard_library_and_yaml(path: Path) -> None:
    import sys

    for name in imports_of(path):
        assert name in sys.stdlib_module_names or name in CORE_ALLOWED_THIRD_PARTY or name == "bot", name
    assert "bot.adapters" not in path.read_text() and "bot.store" not in path.read_text()


def test_modules_stay_small() -> None:
    big = [f"{p.relative_to(BOT)}: {n}" for p in MODULES if (n := len(p.read_text().splitlines())) > 320]
    assert not big, big
