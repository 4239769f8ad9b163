"""One way to print: rich for people, JSON lines or documents for machines."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console

# Piped output (CI logs, `| tee`) has no terminal width: rich would squeeze tables to 80
# columns and cut their cells; 140 keeps them whole. $COLUMNS still wins.
_WIDTH = None if os.environ.get("COLUMNS") else 140
console = Console(width=_WIDTH if not sys.stdout.isatty() else None)
err_console = Console(stderr=True)


def emit_json(data: Any) -> None:
    """Print one JSON document on one line (machines read stdout)."""
    print(json.dumps(data, ensure_ascii=False, default=str), flush=True)


def fail(message: str, code: int = 2) -> None:
    """A clear error on stderr, then exit: no traceback for a user's mistake."""
    import typer

    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
