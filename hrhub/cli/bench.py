"""`hrhub bench`: the benchmarks, measured side by side in one run, ratios against the peers."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.bench import BENCHMARKS, Benchmark, Report, Result, get_benchmark
from hrhub.cli._output import console, emit_json, err_console, fail

NameArgument = Annotated[
    str | None,
    typer.Argument(help=f"One benchmark: {', '.join(BENCHMARKS)} (default: all).", metavar="NAME"),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Results as one JSON document.")]
ScaleOption = Annotated[
    float,
    typer.Option(
        "--scale",
        min=1e-6,
        help="Multiply every benchmark's size (1.0 = 100,000 candidates or records).",
    ),
]


def bench(
    name: NameArgument = None, json_output: JsonFlag = False, scale: ScaleOption = 1.0
) -> None:
    """(replaced below by the text built from the registry)"""
    if name is not None and name not in BENCHMARKS:
        fail(f"no benchmark {name!r} (known: {', '.join(BENCHMARKS)})")
    chosen = [get_benchmark(name)] if name else list(BENCHMARKS.values())
    # With --json, stdout carries the one document: anything a benchmark's code prints on its
    # way (Airflow's SDK logs to stdout) goes to stderr instead.
    quiet = contextlib.redirect_stdout(sys.stderr) if json_output else contextlib.nullcontext()
    try:
        with quiet:
            results = run_all(chosen, scale, on_result=None if json_output else print_result)
    except (RuntimeError, TimeoutError) as exc:
        fail(str(exc), code=1)
    if json_output:
        emit_json({"scale": scale, "benchmarks": results})
    else:
        console.print(summary_table(results))


def print_result(result: Result) -> None:
    """One benchmark's table and notes, printed as soon as it finishes."""
    console.print(result_table(result))
    for note in result["notes"]:
        console.print(f"  [dim]- {escape(note)}[/]")
    console.print()


def run_all(
    chosen: list[Benchmark], scale: float, on_result: Callable[[Result], None] | None = None
) -> list[Result]:
    """Run each benchmark with a progress bar per benchmark (on stderr)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    results = []
    with Progress(*columns, console=err_console) as progress:
        for benchmark in chosen:
            task = progress.add_task(benchmark.name, total=benchmark.steps)
            results.append(benchmark.run(scale, _reporter(progress, task, benchmark.name)))
            progress.update(task, completed=benchmark.steps, description=f"{benchmark.name} done")
            if on_result is not None:
                on_result(results[-1])
    return results


def _reporter(progress: Any, task: Any, name: str) -> Report:
    """A `report` that shows the current step and counts the finished ones."""
    finished = 0

    def report(message: str) -> None:
        nonlocal finished
        progress.update(task, completed=finished, description=f"{name}: {message}")
        finished += 1

    return report


def result_table(result: Result) -> Table:
    """One benchmark as a table: a row per contender, the ratio on its numerator's row."""
    table = Table(title=f"{result['name']} — {result['title']}", title_justify="left")
    for column in result["columns"]:
        label = column["key"] == "label"
        table.add_column(column["header"], justify="left" if label else "right", no_wrap=label)
    for header in ("ratio", "target", "verdict"):
        table.add_column(header, justify="right" if header == "ratio" else "left", no_wrap=True)
    table.caption = ", ".join(f"ratio = {entry['name']}" for entry in result["ratios"])
    by_numerator = {entry["numerator"]: entry for entry in result["ratios"]}
    for row in result["contenders"]:
        cells = [cell(row.get(column["key"])) for column in result["columns"]]
        entry = by_numerator.get(row["contender"])
        cells += ratio_cells(entry) if entry else ["", "", ""]
        table.add_row(*cells)
    return table


def ratio_cells(entry: dict[str, Any]) -> list[str]:
    colour = "green" if entry["met"] else "yellow"
    return [
        f"{entry['value']:.2f}x",
        entry["target"],
        f"[{colour}]{entry['verdict']}[/]",
    ]


def summary_table(results: list[Result]) -> Table:
    """Every ratio of the run, one line each."""
    table = Table(title="ratios", title_justify="left")
    for header in ("benchmark", "ratio", "value", "target", "verdict"):
        table.add_column(header, justify="right" if header == "value" else "left")
    for result in results:
        for entry in result["ratios"]:
            _, target, verdict = ratio_cells(entry)
            table.add_row(result["name"], entry["name"], f"{entry['value']:.2f}x", target, verdict)
    return table


def cell(value: Any) -> str:
    """A number as people read it: thousands separated, small floats with two decimals."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _help() -> str:
    lines = [
        "Run the benchmarks (all, or NAME) and print each as a table with its ratio, target "
        "and verdict. Targets are reported, never asserted: a short-fall says by how much.",
        "The SuccessFactors simulator runs in its own process; contenders are measured "
        "side by side in one run.",
    ]
    lines += [f"[bold]{b.name}[/]: {b.summary} Target: {b.target}." for b in BENCHMARKS.values()]
    lines.append("Full scale takes several minutes; `--scale 0.01` gives a quick smoke run.")
    return "\n\n".join(lines)


bench.__doc__ = _help()
