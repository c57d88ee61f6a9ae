"""YAML loading that remembers line numbers, so content errors can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import ContentProblem

# libyaml is several times faster than the pure-Python parser and keeps marks too.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocatedMap(dict[str, Any]):
    """A YAML mapping that knows the line it starts on and the line of each key."""

    def __init__(self, items: dict[str, Any], line: int, key_lines: dict[str, int]) -> None:
        super().__init__(items)
        self.line = line
        self.key_lines = key_lines

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A YAML sequence that knows the line of each item."""

    def __init__(self, items: list[Any], item_lines: list[int]) -> None:
        super().__init__(items)
        self.item_lines = item_lines


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    duplicate_keys: list[tuple[str, int]]


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LocatedMap:
    loader.flatten_mapping(node)
    items: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in items:
            loader.duplicate_keys.append((key, line))
        items[key] = loader.construct_object(value_node, deep=True)
        key_lines[key] = line
    return LocatedMap(items, node.start_mark.line + 1, key_lines)


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    return LocatedList(items, [child.start_mark.line + 1 for child in node.value])


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_located(path: Path) -> tuple[Any, list[ContentProblem]]:
    """Parse one YAML file; return its data (None when unreadable) and any problems found."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ContentProblem(path=where, line=1, message=f"cannot read file: {exc}")]
    for number, line in enumerate(text.splitlines(), start=1):
        if line[: len(line) - len(line.lstrip())].count("\t"):
            # PyYAML's own message for this ("cannot start any token") helps nobody.
            message = "tab character in indentation; YAML indents with spaces only"
            return None, [ContentProblem(path=where, line=number, message=message)]
    loader = _Loader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        at = mark.line + 1 if mark is not None else 1
        return None, [ContentProblem(path=where, line=at, message=f"YAML syntax: {reason}")]
    except yaml.YAMLError as exc:
        return None, [ContentProblem(path=where, line=1, message=f"YAML syntax: {exc}")]
    finally:
        loader.dispose()
    problems = [
        ContentProblem(path=where, line=line, message=f"duplicate key {key!r}") for key, line in loader.duplicate_keys
    ]
    return data, problems
