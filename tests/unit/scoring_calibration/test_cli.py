"""`hrhub scoring calibrate` through typer's CliRunner: exit codes, JSON, the weights file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hrhub.cli import app
from hrhub.scoring.calibration import load_weights
from hrhub.scoring.examples import CURRENT_WEIGHTS_EXAMPLE, RATINGS_EXAMPLE

runner = CliRunner()


def test_the_example_calibrates_with_json_and_writes_weights(tmp_path: Path) -> None:
    out = tmp_path / "weights.yaml"
    result = runner.invoke(
        app,
        ["scoring", "calibrate", str(RATINGS_EXAMPLE), "--weights", str(CURRENT_WEIGHTS_EXAMPLE),
         "--out", str(out), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["n"] == 60 and document["folds"] == 5 and document["scale"] == [1, 5]
    fitted = document["fitted"]
    assert sum(fitted["weights"].values()) == 100.0
    assert fitted["cross_validated"]["pearson_r"] > 0.8
    assert document["current"]["weights"]["technical_depth"] == 10.0
    assert load_weights(out) == fitted["weights"]
    assert document["out"] == str(out)


def test_the_table_output_shows_before_and_after() -> None:
    result = runner.invoke(
        app,
        ["scoring", "calibrate", str(RATINGS_EXAMPLE), "--weights", str(CURRENT_WEIGHTS_EXAMPLE)],
    )
    assert result.exit_code == 0, result.output
    for word in ("Weights (percent)", "current", "Pearson r", "adjacent", "rating bands"):
        assert word in result.stdout


def test_the_same_input_prints_the_same_json() -> None:
    args = ["scoring", "calibrate", str(RATINGS_EXAMPLE), "--json", "--folds", "3"]
    assert runner.invoke(app, args).stdout == runner.invoke(app, args).stdout


def test_a_bad_cell_exits_2_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("interview_id,communication,human_rating\niv-1,80,4\niv-2,oops,3\n")
    result = runner.invoke(app, ["scoring", "calibrate", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    message = " ".join(result.stderr.split())
    assert "ratings.csv line 3, column 'communication': not a number: 'oops'" in message


def test_fewer_rows_than_folds_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("interview_id,communication,human_rating\niv-1,80,4\niv-2,30,2\n")
    result = runner.invoke(app, ["scoring", "calibrate", str(path), "--folds", "3"])
    assert result.exit_code == 2
    assert "lines 2-3" in " ".join(result.stderr.split())


def test_bad_settings_exit_2(tmp_path: Path) -> None:
    base = ["scoring", "calibrate", str(RATINGS_EXAMPLE)]
    assert runner.invoke(app, [*base, "--scale", "5-1"]).exit_code == 2
    assert runner.invoke(app, [*base, "--folds", "1"]).exit_code == 2
    assert runner.invoke(app, ["scoring", "calibrate", str(tmp_path / "none.csv")]).exit_code == 2
    weights = tmp_path / "weights.yaml"
    weights.write_text("communication: 10\ncharisma: 5\n")
    result = runner.invoke(app, [*base, "--weights", str(weights)])
    assert result.exit_code == 2 and "charisma" in result.stderr


def test_help_mentions_the_example() -> None:
    result = runner.invoke(app, ["scoring", "calibrate", "--help"])
    assert result.exit_code == 0
    assert "ratings_example.csv" in result.stdout
