"""Which way imports run (DESIGN.md, "Layout"): checked on the source, by parsing every file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from connectors import REGISTERED

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


def violations(folder: str, allowed) -> list[str]:
    found = []
    for path in python_files(folder):
        for module in imported_modules(path):
            if not allowed(path, module):
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


def test_dags_import_only_airflow_pendulum_and_hrhub() -> None:
    def allowed(_path: Path, module: str) -> bool:
        return top(module) not in {"connectors", "plugins", "dags"}

    assert violations("dags", allowed) == []


def test_connectors_import_only_core_and_never_hrhub_or_each_other() -> None:
    def allowed(path: Path, module: str) -> bool:
        if top(module) in {"hrhub", "dags", "plugins"}:
            return False
        if top(module) != "connectors" or module == "connectors":
            return True
        package = path.relative_to(ROOT / "connectors").parts[0]
        if module.startswith("connectors._core"):
            return True
        return module.startswith(f"connectors.{package}")

    assert violations("connectors", allowed) == []


def test_core_imports_airflow_only_in_the_hook_base() -> None:
    def allowed(path: Path, module: str) -> bool:
        return top(module) != "airflow" or path.name == "hook.py"

    assert violations("connectors/_core", allowed) == []


def test_connector_clients_and_simulators_do_not_import_airflow() -> None:
    def allowed(path: Path, module: str) -> bool:
        return path.name == "hook.py" or top(module) != "airflow"

    assert violations("connectors", allowed) == []


def test_hrhub_reaches_connectors_only_through_the_registry() -> None:
    bench = ROOT / "hrhub" / "bench"

    def allowed(path: Path, module: str) -> bool:
        if top(module) in {"dags", "plugins"}:
            return False
        if top(module) != "connectors":
            return True
        # Benchmarks time a connector's own parts (its WSDL loader, say) against their peers.
        return module.startswith("connectors._core") or bench in path.parents

    assert violations("hrhub", allowed) == []


def test_scoring_imports_neither_airflow_nor_connectors() -> None:
    def allowed(_path: Path, module: str) -> bool:
        return top(module) not in {"airflow", "connectors", "dags", "plugins"}

    assert violations("hrhub/scoring", allowed) == []


def test_plugins_import_only_hrhub_web() -> None:
    def allowed(_path: Path, module: str) -> bool:
        if top(module) in {"connectors", "dags", "plugins"}:
            return False
        return top(module) != "hrhub" or module.startswith("hrhub.web")

    assert violations("plugins", allowed) == []


@pytest.mark.parametrize(
    "folder",
    sorted(
        p.name
        for p in (ROOT / "connectors").iterdir()
        if p.is_dir() and not p.name.startswith(("_", "."))
    ),
)
def test_every_connector_folder_is_registered_and_complete(folder: str) -> None:
    assert folder in REGISTERED, f"connectors/{folder} exists but is not in REGISTERED"
    for name in ("client.py", "hook.py", "simulator.py", "connector.yaml"):
        assert (ROOT / "connectors" / folder / name).is_file(), f"connectors/{folder}/{name}"
