"""YAML with the line of every key and list item, so a file's mistakes are reported file:line.

Mapping files and competency models (rubrics) are both read with it.

PyYAML's composer keeps marks on the nodes; constructing the data from the same node and
indexing the node tree by path gives both the plain data and a path -> line table. Duplicate
keys (which YAML silently resolves to the last one) are reported, not hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Duplicate", "LinedYaml", "Path", "YamlSyntaxError", "read_lined_yaml"]

Path = tuple[str | int, ...]


class YamlSyntaxError(ValueError):
    """Text that is not YAML; `line` is 1-based (None when the parser gave no position)."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class Duplicate:
    """A key given twice in one mapping: where, its path, and where it first appeared."""

    line: int
    path: Path
    first_line: int

    @property
    def reason(self) -> str:
        where = ".".join(map(str, self.path))
        return f"duplicate key {where!r} (first at line {self.first_line})"


@dataclass
class LinedYaml:
    """Parsed data, the 1-based line of every key and list item, and duplicate-key mistakes."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)

    def line(self, path: Iterable[str | int]) -> int:
        """Line of the deepest known part of `path` (the whole file is line 1)."""
        parts = tuple(path)
        while parts and parts not in self.lines:
            parts = parts[:-1]
        return self.lines.get(parts, 1)


# Far more nodes than any mapping file or rubric has, once aliases are expanded: a document
# whose aliases expand past it (the "billion laughs") is refused before anything walks it.
MAX_EXPANDED_NODES = 100_000


def read_lined_yaml(text: str) -> LinedYaml:
    """Parse one YAML document. Every way text can fail to be YAML raises `YamlSyntaxError`
    (with the line where there is one): syntax, a character YAML refuses, a value PyYAML
    cannot build (a date that is none, 4300+ digits), nesting past the parser, aliases that
    expand past MAX_EXPANDED_NODES."""
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # its reader checks every character here
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_EXPANDED_NODES:
            raise YamlSyntaxError(
                f"invalid YAML: aliases expand to more than {MAX_EXPANDED_NODES:,} values", None
            )
        data = None if node is None else loader.construct_document(node)
    except YamlSyntaxError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = f"invalid YAML: {exc.problem or exc.context}"
        raise YamlSyntaxError(reason, mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses before parsing starts
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else exc.character
        reason = f"invalid YAML: character {char} is not allowed ({exc.reason})"
        raise YamlSyntaxError(reason, text.count("\n", 0, exc.position) + 1) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", None) from None
    except RecursionError:
        raise YamlSyntaxError("invalid YAML: nested deeper than hrhub reads", None) from None
    except ValueError as exc:  # PyYAML lets some refusals out bare, without a line:
        # a date that is none (2024-13-01), an escape past U+10FFFF, 4300+ digits.
        raise YamlSyntaxError(f"invalid YAML: {exc}", None) from None
    finally:
        if loader is not None:
            loader.dispose()
    lined = LinedYaml(data=data, lines={(): 1})
    if node is not None:
        _index(node, (), lined, set())
    return lined


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document holds with every alias expanded, counted over the node
    graph (each node once, iteratively) so counting a bomb is cheap. A node inside itself (a
    recursive alias) counts once there: its readers report that cycle with its line."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done:
            open_.discard(id(node))
            total = 1 + sum(sizes.get(id(c), 1) for c in children)  # 1: a back edge
            sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
            continue
        if id(node) in open_:  # reached again through itself: the back edge counts 1
            continue
        open_.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes and id(c) not in open_)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _index(node: yaml.Node, path: Path, lined: LinedYaml, seen: set[int]) -> None:
    if id(node) in seen:  # an alias: indexed where it was defined
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lined.lines[(*path, index)] = item.start_mark.line + 1
            _index(item, (*path, index), lined, seen)
    elif isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key, line = key_node.value, key_node.start_mark.line + 1
            ident = (key_node.tag, key)
            if ident in first:
                lined.duplicates.append(Duplicate(line, (*path, key), first[ident]))
                continue
            first[ident] = line
            lined.lines[(*path, key)] = line
            _index(value_node, (*path, key), lined, seen)
