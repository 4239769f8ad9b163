"""hrhub.mapping is a library: importing it must load neither Airflow nor any connector."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_mapping_engine_loads_neither_airflow_nor_connectors() -> None:
    code = (
        "import sys, hrhub.mapping; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'airflow', 'connectors'}); "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
