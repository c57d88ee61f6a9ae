"""docs/DESIGN.md's boundaries, enforced by reading every module's imports.

Every import counts: at the top of a module, inside a function, and under TYPE_CHECKING. A lazy
import keeps start-up fast; it does not make an upward dependency acceptable.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

# Dependencies point one way: each layer imports only its own and lower ones.
#   base      bot/__init__ (the version), errors, log, metrics: anything may import them
#   core      lessons, search, commands, replies, and the neutral types (weekdays, platform)
#   config    the settings, read once from the environment (it names where the built-in lessons are)
#   store     the database
#   daily     the tip of the day: parsing, fire times, the scheduler, the fan-out, the wording
#   feedback  votes, questions nobody answered, /mltip stats, mltip report
#   adapters  Slack, Discord, the console
#   runner    what starts and wires it all: runner, cli, web, checks, __main__
LAYERS = ("base", "core", "config", "store", "daily", "feedback", "adapters", "runner")
TOP_LEVEL = {
    "bot": "base",
    "bot.errors": "base",
    "bot.log": "base",
    "bot.metrics": "base",
    "bot.config": "config",
    "bot.runner": "runner",
    "bot.cli": "runner",
    "bot.web": "runner",
    "bot.checks": "runner",
    "bot.__main__": "runner",
}
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
    allowed = CORE_ALLOWED_THIRD_PARTY | (SEMANTIC_LIBRARIES if path.name == "semantic.py" else set())
    for name in imports_of(path):
        assert name in sys.stdlib_module_names or name in allowed or name == "bot", name
    assert "bot.adapters" not in path.read_text() and "bot.store" not in path.read_text()


def test_the_semantic_ranker_imports_its_libraries_lazily() -> None:
    module_level = [
        n for n in ast.parse((BOT / SEMANTIC_MODULE).read_text()).body if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    names = [a.name for n in module_level if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in module_level if isinstance(n, ast.ImportFrom)]
    assert names and all(n.split(".")[0] in sys.stdlib_module_names | {"__future__", "bot"} for n in names), names


def test_modules_stay_small() -> None:
    big = [f"{p.relative_to(BOT)}: {n}" for p in MODULES if (n := len(p.read_text().splitlines())) > 320]
    assert not big, big


# --- the one-way rule --------------------------------------------------------------------------


def module_name(path: Path) -> str:
    """bot/daily/zones.py -> 'bot.daily.zones'; a package's __init__.py is the package."""
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


KNOWN = {module_name(path) for path in MODULES}


def layer_of(module: str) -> str | None:
    """The layer a bot module belongs to: a top-level module's own, else its folder under bot/."""
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    folder = module.split(".")[1] if module.count(".") >= 1 else None
    return folder if folder in LAYERS else None


def bot_imports(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) for every bot module `source` imports, wherever the import statement is."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            # `from bot.daily import zones` imports the module bot.daily.zones
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in KNOWN else target for a in node.names]
        else:
            continue
        for name in names:
            if name == "bot" or name.startswith("bot."):
                yield node.lineno, name


def upward_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports in `source` (the text of `module`) that point up the layers, as 'line: a -> b'."""
    mine = layer_of(module)
    assert mine is not None, f"{module} belongs to no layer: add it to TOP_LEVEL or LAYERS"
    found = []
    for line, target in bot_imports(source, module, is_package):
        theirs = layer_of(target)
        assert theirs is not None, f"{module}:{line} imports {target}, which belongs to no layer"
        if LAYERS.index(theirs) > LAYERS.index(mine):
            found.append(f"{line}: {module} ({mine}) -> {target} ({theirs})")
    return found


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(BOT)) for p in MODULES])
def test_dependencies_point_one_way(path: Path) -> None:
    assert upward_imports(path.read_text(), module_name(path), path.name == "__init__.py") == []


@pytest.mark.parametrize(
    "source",
    [
        "from bot.daily.fire_times import fire_time\n",
        "import bot.daily.scheduler\n",
        "from bot.daily import zones\n",
        "from ..daily.wording import days_label\n",
        "def later() -> None:\n    from bot.daily.clock import utc_now\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.daily.fanout import Poster\n",
        "from bot.runner import run\n",
    ],
    ids=["top", "import", "from-package", "relative", "in-a-function", "type-checking", "to-the-runner"],
)
def test_the_checker_fails_on_an_import_from_store_up_to_daily(source: str) -> None:
    (found,) = upward_imports(source, "bot.store.ledger")
    assert ": bot.store.ledger (store) -> bot." in found and found.endswith(("(daily)", "(runner)"))


def test_the_checker_lets_a_layer_import_itself_and_below() -> None:
    source = (
        "from bot.store import Store\nfrom bot.core.weekdays import Weekdays\nfrom bot.errors import CommandError\n"
    )
    assert upward_imports(source, "bot.daily.service") == []
    assert upward_imports("from bot.config import Settings\n", "bot.core.library") != []  # core is below config
    assert upward_imports("from bot.core.library import Library\n", "bot.config") == []


def test_every_module_belongs_to_a_layer() -> None:
    assert [m for m in sorted(KNOWN) if layer_of(m) is None] == []


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every import cycle in `graph` (module -> the modules it imports), as 'a -> b -> a'."""
    found = []
    for start in sorted(graph):
        seen: set[str] = set()
        todo = [(start, [start])]
        while todo:
            node, trail = todo.pop()
            for after in sorted(graph.get(node, set()) - {node}):
                if after == start:
                    found.append(" -> ".join([*trail, start]))
                elif after not in seen:
                    seen.add(after)
                    todo.append((after, [*trail, after]))
    return found


def test_no_import_cycles() -> None:
    # core/library.py, content_cache.py and validation.py once imported each other inside
    # functions; core/loading.py now composes them. Lazy imports count here too.
    graph = {
        module_name(path): {t for _, t in bot_imports(path.read_text(), module_name(path), path.name == "__init__.py")}
        for path in MODULES
    }
    assert cycles(graph) == []


def test_the_cycle_finder_finds_one_through_a_lazy_import() -> None:
    lazy = "def load() -> None:\n    from bot.core.validation import check_content\n"
    graph = {
        "bot.core.library": {t for _, t in bot_imports(lazy, "bot.core.library")},
        "bot.core.validation": {"bot.core.library"},
    }
    assert cycles(graph) == [
        "bot.core.library -> bot.core.validation -> bot.core.library",
        "bot.core.validation -> bot.core.library -> bot.core.validation",
    ]
