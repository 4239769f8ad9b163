"""Reading hrhub's own source for the static checks of tests/security: every call, with the
dotted name it resolves to through the module's imports (`etree.fromstring` is
`lxml.etree.fromstring` after `from lxml import etree`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every folder of hrhub's own code: the product, its DAGs and its Airflow plugin.
CODE_FOLDERS = ("connectors", "hrhub", "dags", "plugins")


@dataclass(frozen=True)
class Call:
    """One call in one module: where it is and what it resolves to."""

    path: str  # relative to the repository, with "/"
    scope: str  # "Class.method", "function" or "<module>"
    line: int
    name: str  # dotted, through the imports; the source text when it is not an import
    node: ast.Call = field(compare=False)
    tree: ast.Module = field(compare=False, repr=False)
    names: dict[str, str] = field(compare=False, repr=False)  # the module's imports

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line} ({self.scope}) {self.name}"

    def keyword(self, name: str) -> ast.expr | None:
        return next((k.value for k in self.node.keywords if k.arg == name), None)

    def argument(self, position: int, name: str) -> ast.expr | None:
        """The argument given by keyword `name` or at `position`."""
        given = self.keyword(name)
        if given is None and len(self.node.args) > position:
            given = self.node.args[position]
        return given


def python_files(folders: tuple[str, ...] = CODE_FOLDERS) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted module or object name, from every import in the module
    (function-level imports included: hrhub imports heavy libraries late)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def dotted(node: ast.expr, names: dict[str, str]) -> str:
    """`a.b.c` resolved through the imports; other expressions as their source text."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(names.get(node.id, node.id))
        return ".".join(reversed(parts))
    return ".".join([ast.unparse(node), *reversed(parts)])


def imported_modules(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def calls_in(source: str | ast.Module, path: str = "<memory>") -> Iterator[Call]:
    """Every call of a module (its source or its tree), with its scope."""
    tree = source if isinstance(source, ast.Module) else ast.parse(source, filename=path)
    names = aliases(tree)

    def visit(node: ast.AST, scope: list[str]) -> Iterator[Call]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from visit(child, [*scope, child.name])
                continue
            if isinstance(child, ast.Call):
                name = dotted(child.func, names)
                where = ".".join(scope) or "<module>"
                yield Call(path, where, child.lineno, name, child, tree, names)
            yield from visit(child, scope)

    yield from visit(tree, [])


@cache
def all_calls(folders: tuple[str, ...] = CODE_FOLDERS) -> tuple[Call, ...]:
    """Every call in hrhub's code (read once per test session)."""
    found: list[Call] = []
    for relative, tree in modules(folders):
        found.extend(calls_in(tree, relative))
    return tuple(found)


@cache
def modules(folders: tuple[str, ...] = CODE_FOLDERS) -> tuple[tuple[str, ast.Module], ...]:
    """(path relative to the repository, parsed tree) of every module in `folders`."""
    found = []
    for file in python_files(folders):
        relative = file.relative_to(ROOT).as_posix()
        found.append((relative, ast.parse(file.read_text(encoding="utf-8"), filename=relative)))
    return tuple(found)
