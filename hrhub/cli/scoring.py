"""`hrhub scoring`: the resume NER model, rubric calibration and the bias audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from hrhub.cli._output import console, emit_json, fail

app = typer.Typer(
    help="Scoring models: train and evaluate the Chinese resume NER, calibrate rubric weights "
    "to human ratings, audit outcomes for bias (NYC LL144 impact ratios)."
)

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
    dev: Annotated[
        Path, typer.Option("--dev", help="Dev data, scored after training (.char.bmes).")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", help="Pipeline directory (default: shipped model).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="spaCy config (default: the repo's).")
    ] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option("--max-iterations", help="Override the CRF's L-BFGS iterations."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Train the resume NER on a BMES file, write the pipeline to OUTPUT, score it on dev.

    The recipe is the config's (default hrhub/scoring/configs/resume_ner.cfg): a CRF over
    character n-grams, word breaks, dictionary words and the training set's entity texts.
    Training is deterministic and takes about a minute on ResumeNER's 3,821 sentences.
    """
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
            max_iterations=max_iterations,
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


# ---- calibration and bias audit (issue 8) ---------------------------------------------------


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _r(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@app.command("calibrate")
def calibrate_command(
    ratings: Annotated[
        Path,
        typer.Argument(
            help="CSV: interview_id, one 0-100 score column per competency, human_rating.",
            show_default=False,
        ),
    ],
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds.")] = 5,
    scale: Annotated[str, typer.Option("--scale", help="Rating scale LOW-HIGH.")] = "1-5",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fold split.")] = 0,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="Current weights (YAML competency: weight) to compare."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the fitted weights here as YAML.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Fit competency weights to human interview ratings and report how well they agree.

    Non-negative least squares with a free intercept; weights in percent summing to 100.
    Agreement is cross-validated: each interview is predicted by weights and rating bands
    fitted on the other folds (Pearson r, exact and adjacent = within one point). With
    --weights the current weights go through the same folds, for a before/after view.
    Bad input (missing column, non-numeric cell, rating off the scale, fewer rows than
    folds) exits 2 naming the line and column.

    Example data ships in hrhub/scoring/examples/ (60 synthetic interviews):

        hrhub scoring calibrate hrhub/scoring/examples/ratings_example.csv \\
            --weights hrhub/scoring/examples/weights_current_example.yaml --out weights.yaml
    """
    from hrhub.scoring.calibration import (
        CalibrationError,
        CsvInputError,
        WeightsFileError,
        calibrate,
        dump_weights,
        load_weights,
        parse_scale,
        read_ratings,
    )

    try:
        rating_scale = parse_scale(scale)
    except ValueError as exc:
        fail(f"--scale: {exc}")
        return
    try:
        current = load_weights(weights) if weights is not None else None
        rows = read_ratings(ratings, scale=rating_scale)
        report = calibrate(
            rows, folds=folds, scale=rating_scale, seed=seed, current_weights=current
        )
    except (CsvInputError, WeightsFileError) as exc:
        fail(str(exc))
        return
    except CalibrationError as exc:
        fail(f"{ratings.name}: {exc}")
        return
    if out is not None:
        try:
            out.write_text(dump_weights(report, source=ratings.name), encoding="utf-8")
        except OSError as exc:
            fail(f"--out: cannot write {out}: {exc.strerror or exc}")
    if json_output:
        emit_json({**report.to_dict(), "out": str(out) if out else None})
        return
    _print_calibration(report)
    if out is not None:
        console.print(f"fitted weights written to {out}")


def _print_calibration(report: Any) -> None:
    fitted, current = report.fitted, report.current
    low, high = report.scale
    console.print(
        f"{report.n} rated interviews, {report.folds}-fold cross-validation "
        f"(seed {report.seed}), rating scale {low}-{high}"
    )
    weights = Table(title="Weights (percent)")
    weights.add_column("competency")
    weights.add_column("fitted", justify="right")
    if current:
        weights.add_column("current", justify="right")
    for name in report.competencies:
        cells = [name, f"{fitted.weights[name]:.2f}"]
        if current:
            cells.append(f"{current.weights[name]:.2f}")
        weights.add_row(*cells)
    console.print(weights)
    agreement = Table(title="Agreement with the human ratings (held-out predictions)")
    agreement.add_column("measure")
    agreement.add_column("fitted", justify="right")
    if current:
        agreement.add_column("current", justify="right")
    evaluations = [fitted, current] if current else [fitted]
    for label, value in (
        ("Pearson r", lambda e: _r(e.cross_validated.pearson_r)),
        ("exact agreement", lambda e: _percent(e.cross_validated.exact_agreement)),
        ("adjacent agreement (±1)", lambda e: _percent(e.cross_validated.adjacent_agreement)),
        ("in-sample r (optimistic)", lambda e: _r(e.in_sample.pearson_r)),
    ):
        agreement.add_row(label, *(value(e) for e in evaluations))
    console.print(agreement)
    per_fold = Table(title="Per fold (fitted weights)")
    for column in ("fold", "train", "test", "r", "exact", "adjacent"):
        per_fold.add_column(column, justify="right")
    for fold in fitted.folds:
        a = fold.agreement
        per_fold.add_row(
            str(fold.fold),
            str(fold.n_train),
            str(fold.n_test),
            _r(a.pearson_r),
            _percent(a.exact_agreement),
            _percent(a.adjacent_agreement),
        )
    console.print(per_fold)
    bands = ", ".join(f"{rating} from {edge:.1f}" for rating, edge in fitted.band_edges)
    console.print(f"rating bands on the fitted composite (0-100): {low} below, {bands}")
    for note in report.notes:
        console.print(f"[yellow]note[/]: {note}")


@app.command("bias-audit")
def bias_audit_command(
    results: Annotated[
        Path,
        typer.Argument(
            help="CSV: candidate_id, sex, ethnicity, selected, optional score (0-100).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for bias_audit.json and bias_audit.html."),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Flag impact ratios below this (four-fifths).")
    ] = 0.8,
    min_share: Annotated[
        float,
        typer.Option("--min-share", help="Categories under this share are not compared."),
    ] = 0.02,
    audit_date: Annotated[
        str | None, typer.Option("--audit-date", help="YYYY-MM-DD (default: today).")
    ] = None,
    data_source: Annotated[
        str | None,
        typer.Option("--data-source", help="Where the data came from (default: the file name)."),
    ] = None,
    data_period: Annotated[
        str | None, typer.Option("--data-period", help="Period the data covers.")
    ] = None,
    distribution_date: Annotated[
        str | None,
        typer.Option("--distribution-date", help="When the tool was first used (placeholder)."),
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Selection and scoring rates and impact ratios per sex, ethnicity and intersection.

    The figures NYC Local Law 144 asks a bias audit to publish: per category the count,
    selection rate and impact ratio (rate / highest rate), and with a score column the
    scoring rate (share above the sample's median score) and its impact ratio. Ratios under
    --threshold are flagged; categories under --min-share of the sample are reported but not
    compared (the rules allow it); blank or "unknown" sex/ethnicity counts as unknown.
    --out writes bias_audit.json and a self-contained bias_audit.html with SVG charts.
    Bad input exits 2 naming the line and column.

    Example data ships in hrhub/scoring/examples/ (204 synthetic candidates, one flagged
    ethnicity):

        hrhub scoring bias-audit hrhub/scoring/examples/results_example.csv --out out/audit
    """
    import datetime as dt

    from hrhub.scoring.fairness import CsvInputError, audit, read_results, render_html

    try:
        date = dt.date.fromisoformat(audit_date) if audit_date else dt.date.today()
    except ValueError:
        fail(f"--audit-date: expected YYYY-MM-DD, got {audit_date!r}")
        return
    try:
        rows = read_results(results)
        report = audit(
            rows,
            threshold=threshold,
            min_share=min_share,
            audit_date=date,
            data_source=data_source or results.name,
            data_period=data_period,
            distribution_date=distribution_date,
        )
    except CsvInputError as exc:
        fail(str(exc))
        return
    except ValueError as exc:
        fail(f"{results.name}: {exc}")
        return
    document = report.to_dict()
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
            (out / "bias_audit.json").write_text(text, encoding="utf-8")
            (out / "bias_audit.html").write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            fail(f"--out: cannot write to {out}: {exc.strerror or exc}")
    if json_output:
        emit_json(document)
        return
    _print_audit(report, document["summary"])
    if out is not None:
        console.print(f"written: {out / 'bias_audit.json'}, {out / 'bias_audit.html'}")


def _print_audit(report: Any, summary: list[str]) -> None:
    for line in summary:
        console.print(line, markup=False, highlight=False)
    for table in report.tables:
        view = Table(title=f"By {table.dimension} ({table.unknown} unknown, not in this table)")
        columns = ["category", "n", "selected", "sel. rate", "impact"]
        if report.has_scores:
            columns += ["scoring rate", "impact (scoring)"]
        for column in columns:
            view.add_column(column, justify="left" if column == "category" else "right")
        for c in table.categories:
            cells = [
                c.label,
                str(c.count),
                str(c.selected),
                _percent(c.selection_rate),
                _ratio_cell(c.selection_impact_ratio, c.excluded),
            ]
            if report.has_scores:
                cells += [_percent(c.scoring_rate), _ratio_cell(c.scoring_impact_ratio, c.excluded)]
            style = "bold red" if c.flags else ("dim" if c.excluded else None)
            view.add_row(*cells, style=style)
        console.print(view)


def _ratio_cell(ratio: float | None, excluded: bool) -> str:
    if excluded:
        return "excluded"
    return "n/a" if ratio is None else f"{ratio:.2f}"
