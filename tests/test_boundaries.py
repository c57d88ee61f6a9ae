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
# The semantic ranker's embedding arithmetic: one module may use it, and only once it loads the
# model (inside functions, or for type checking), so a command that searches nothing never pays
# for numpy's import and an install without them still runs on keywords alone.
SEMANTIC_MODULE = "core/semantic.py"
SEMANTIC_LIBRARIES = {"numpy", "tokenizers", "wordllama"}


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
        assert name not in SEMANTIC_LIBRARIES or where == SEMANTIC_MODULE, f"{where} imports {name}"


@pytest.mark.parametrize("path", sorted((BOT / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_uses_only_the_standard_library_and_yaml(path: Path) -> None:
    import sys

    allowed = CORE_ALLOWED_THIRD_PARTY | (SEMANTIC_LIBRARIES if path.name == "semantic.py" else set())
    for name in imports_of(path):
        assert name in sys.stdlib_module_names or name in allowed or name == "bot", name
    assert "bot.adapters" not in path.read_text() and "bot.store" not in path.read_text()


def test_the_semantic_ranker_imports_its_libraries_lazily() -> None:
    import sys

    module_level = [
        n for n in ast.parse((BOT / SEMANTIC_MODULE).read_text()).body if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    names = [a.name for n in module_level if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in module_level if isinstance(n, ast.ImportFrom)]
    assert names and all(n.split(".")[0] in sys.stdlib_module_names | {"__future__", "bot"} for n in names), names


def test_modules_stay_small() -> None:
    big = [f"{p.relative_to(BOT)}: {n}" for p in MODULES if (n := len(p.read_text().splitlines())) > 320]
    assert not big, big
