"""`hrhub sandbox`: the simulators of every system, on loopback, for demos and development."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from typing import Annotated, Any

import typer

from connectors._core.errors import ConfigError
from hrhub.cli._output import console, emit_json, fail
from hrhub.sandbox import start_sandbox, stop_sandbox

app = typer.Typer(help="Run the simulators of the HR systems on 127.0.0.1.", no_args_is_help=True)


@app.command("up")
def up(
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Start only this system (repeatable), e.g. --only attendance."),
    ] = None,
    faults: Annotated[
        str,
        typer.Option(
            "--faults",
            help="Fault knobs, comma-separated: latency_ms=20,error_rate=0.1,rate_limit=0.05,"
            "token_expiry=1,drop=0.02,slow_page_ms=200,duplicate=0.05,out_of_order=1,seed=7; "
            "a knob with a system's name applies to that system only: dingtalk.down=true.",
        ),
    ] = "",
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="A simulator's option, SYSTEM.NAME=VALUE (repeatable), e.g. "
            "--set successfactors.candidates=5000 --set interview_room.auto_start=true.",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON line per system, for scripts.")
    ] = False,
) -> None:
    """Start simulators and print how to reach each one; run until Ctrl-C.

    Each line gives the system, its URL, the Airflow connection id and a connection URI with
    the sandbox credentials. Export it to point Airflow at the simulator, e.g.

        export AIRFLOW_CONN_HRHUB_ATTENDANCE_DEFAULT='hrhub-attendance://admin:...'
    """
    stopped = threading.Event()
    # Installed before anything is printed: whoever reads our first line may stop us at once.
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        systems = start_sandbox(only, faults, parse_settings(settings or []))
    except (ConfigError, ValueError, TypeError) as exc:
        fail(str(exc))
    try:
        for system in systems:
            if json_output:
                emit_json(system.as_dict())
            else:
                console.print(f"[bold]{system.system}[/] {system.url}")
                for name, value in system.server.connection_extra().items():
                    console.print(f"  {name}: {value}")
                console.print(f"  export {system.env_var}='{system.conn_uri}'")
        if not json_output:
            console.print("[dim]simulators running; Ctrl-C stops them[/]")
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()
    finally:
        stop_sandbox(systems)


def parse_settings(items: list[str]) -> dict[str, dict[str, Any]]:
    """`SYSTEM.NAME=VALUE` items as simulator options; a value is read as JSON when it can be
    (numbers, true/false), else kept as text."""
    options: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        system, dot, name = key.partition(".")
        if not sep or not dot or not system or not name:
            raise ValueError(f"--set {item!r}: expected SYSTEM.NAME=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        options.setdefault(system, {})[name] = value
    return options
