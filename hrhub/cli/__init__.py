"""`hrhub`: the command line of the recruiting integration hub."""

from __future__ import annotations

import typer

from hrhub.cli import bench, demo, ledger, mappings, reliability, sandbox, score, scoring, screen
from hrhub.cli import erase as erase_cli
from hrhub.cli import replay as replay_cli
from hrhub.cli import review as review_cli

app = typer.Typer(
    name="hrhub",
    help=(
        "Recruiting integration hub on Apache Airflow 3: moves candidates across "
        "SuccessFactors, Yonyou eHR, DingTalk and attendance systems.\n\n"
        "Start with `hrhub sandbox up` to run the simulators, or `hrhub demo` for the flow."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(ledger.app, name="ledger")
app.add_typer(mappings.app, name="mappings")
app.add_typer(scoring.app, name="scoring")
app.command("demo")(demo.demo)
app.command("up")(demo.up)
app.command("bench")(bench.bench)
app.command("reliability")(reliability.reliability)
app.command("screen")(screen.screen)
app.command("score")(score.score)
app.command("replay")(replay_cli.replay)
app.command("export")(replay_cli.export)
app.add_typer(review_cli.app, name="review")
app.command("erase")(erase_cli.erase)


def main() -> None:
    app()
