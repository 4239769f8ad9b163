"""`hrhub scoring`: train and evaluate the Chinese resume NER model used for screening."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from hrhub.cli._output import console, emit_json, fail

app = typer.Typer(help="Resume scoring models: train and evaluate the Chinese resume NER.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _scores_table(title: str, per_type: dict[str, dict[str, Any]], micro: dict[str, Any]) -> Table:
    table = Table(title=title)
    for column in ("type", "P", "R", "F1", "gold"):
        table.add_column(column, justify="right" if column != "type" else "left")
    for label, s in sorted(per_type.items()):
        gold = s.get("tp", 0) + s.get("fn", 0) if "tp" in s else ""
        table.add_row(label, f"{s['p']:.2f}", f"{s['r']:.2f}", f"{s['f']:.2f}", str(gold))
    table.add_row("micro", f"{micro['p']:.2f}", f"{micro['r']:.2f}", f"{micro['f']:.2f}", "")
    return table


def _print_project_scores(data: dict[str, Any]) -> None:
    micro = {"p": data["ents_p"], "r": data["ents_r"], "f": data["ents_f"]}
    console.print(
        _scores_table("dev scores (hrhub evaluator, exact span)", data["ents_per_type"], micro)
    )
    console.print(
        f"{data['sentences']} sentences, {data['chars']} chars, "
        f"{data['chars_per_second']:,.0f} chars/s (1 process)"
    )


@app.command("train-ner")
def train_ner_command(
    train: Annotated[Path, typer.Option("--train", help="Training data (.char.bmes).")],
    dev: Annotated[Path, typer.Option("--dev", help="Dev data for model selection (.char.bmes).")],
    output: Annotated[
        Path | None, typer.Option("--output", help="Pipeline directory (default: shipped model).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="spaCy config (default: the repo's).")
    ] = None,
    max_epochs: Annotated[
        int | None, typer.Option("--max-epochs", help="Override training.max_epochs.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Train the resume NER on a BMES file, select on dev, write the pipeline to OUTPUT."""
    from hrhub.scoring.ner import MODEL_DIR
    from hrhub.scoring.ner.bmes import BmesError
    from hrhub.scoring.ner.train import CONFIG_PATH, train_ner

    for label, path in (("--train", train), ("--dev", dev), ("--config", config)):
        if path is not None and not path.is_file():
            fail(f"{label}: no such file: {path}")
    try:
        result = train_ner(
            train,
            dev,
            output=output or MODEL_DIR,
            config=config or CONFIG_PATH,
            max_epochs=max_epochs,
        )
    except BmesError as exc:
        fail(str(exc))
        return
    data = result.scores.as_dict()
    if json_output:
        emit_json({"output": str(result.output), "train_seconds": result.seconds, **data})
        return
    for repair in result.repairs:
        console.print(f"[yellow]repaired[/]: {repair}")
    _print_project_scores(data)
    console.print(f"model written to {result.output} ({result.seconds:.0f} s)")


@app.command("evaluate-ner")
def evaluate_ner_command(
    dev: Annotated[Path, typer.Option("--dev", help="Gold data (.char.bmes).")],
    model: Annotated[
        Path | None, typer.Option("--model", help="Pipeline directory (default: shipped model).")
    ] = None,
    with_spacy: Annotated[
        bool, typer.Option("--spacy", help="Also run `spacy evaluate` for comparison.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Per-type precision/recall/F1, micro average and chars/s of a pipeline on a BMES file."""
    from hrhub.scoring.ner import MODEL_DIR, load_resume_ner
    from hrhub.scoring.ner.bmes import BmesError
    from hrhub.scoring.ner.evaluate import evaluate_pipeline, spacy_evaluate

    model_dir = model or MODEL_DIR
    if not dev.is_file():
        fail(f"--dev: no such file: {dev}")
    try:
        nlp = load_resume_ner(model_dir)
        data = evaluate_pipeline(nlp, dev).as_dict()
        spacy_data = spacy_evaluate(model_dir, dev) if with_spacy else None
    except (FileNotFoundError, BmesError) as exc:
        fail(str(exc))
        return
    if json_output:
        emit_json({"model": str(model_dir), **data, "spacy": spacy_data})
        return
    _print_project_scores(data)
    if spacy_data is not None:
        micro = {"p": spacy_data["ents_p"], "r": spacy_data["ents_r"], "f": spacy_data["ents_f"]}
        console.print(
            _scores_table("dev scores (spacy evaluate)", spacy_data["ents_per_type"], micro)
        )
