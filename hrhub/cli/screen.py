"""`hrhub screen`: one resume against one job profile, as a table or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.cli._output import console, emit_json, err_console, fail

if TYPE_CHECKING:
    from hrhub.scoring.screening import JobProfile, ScreeningOutcome

EXIT_UNPARSEABLE = 3
EXAMPLES = Path(__file__).resolve().parents[1] / "scoring" / "screening" / "examples"

ResumeArgument = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
        metavar="RESUME",
        help="Resume file (text, any encoding).",
    ),
]
JobOption = Annotated[
    Path,
    typer.Option(
        "--job",
        exists=True,
        dir_okay=False,
        readable=True,
        metavar="JOB",
        help="Job profile, YAML or JSON.",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="The outcome as one JSON document.")]


def screen(resume: ResumeArgument, job: JobOption, json_output: JsonFlag = False) -> None:
    """(replaced below by `_help()`)"""
    from hrhub.scoring.screening import JobProfile, ProfileError
    from hrhub.scoring.screening import screen as screen_one

    try:
        profile = JobProfile.load(job)
    except ProfileError as exc:
        fail(str(exc), code=2)
    try:
        data = resume.read_bytes()
    except OSError as exc:
        fail(f"{resume}: cannot read: {exc}", code=2)
    try:
        outcome = screen_one(data, profile, candidate_id=resume.name)
    except FileNotFoundError as exc:  # the NER model is missing: an install problem
        fail(str(exc), code=1)
    if json_output:
        emit_json({"file": str(resume), "job_id": profile.job_id, **outcome.to_dict()})
    else:
        _print(outcome, profile, resume)
    if not outcome.scored:
        err_console.print(f"[bold yellow]unparseable:[/] {escape(str(resume))}: {outcome.reason}")
        raise typer.Exit(EXIT_UNPARSEABLE)


def _print(outcome: ScreeningOutcome, profile: JobProfile, resume: Path) -> None:
    if not outcome.scored:
        console.print(f"{escape(str(resume))}: [yellow]unparseable[/] ({outcome.reason})")
        return
    title = f"{resume.name} for {profile.title}: fit {outcome.fit_score:g} / 100"
    parts = Table(title=escape(title), title_justify="left")
    for header in ("part", "score", "weight", "why", "evidence"):
        parts.add_column(header, justify="right" if header in ("score", "weight") else "left")
    for name, part in outcome.parts.items():
        parts.add_row(
            name,
            f"{part.score:g}",
            f"{part.weight:g}%",
            escape(part.explanation),
            escape("\n".join(part.evidence[:5])),
        )
    console.print(parts)
    if outcome.must_haves:
        checks = Table(title="must-haves", title_justify="left")
        for header in ("requirement", "met", "evidence"):
            checks.add_column(header)
        for check in outcome.must_haves:
            met = "[green]yes[/]" if check.met else "[red]no[/]"
            checks.add_row(escape(check.requirement), met, escape("\n".join(check.evidence[:4])))
        console.print(checks)
    console.print(f"[bold]explanation:[/] {escape(outcome.explanation)}")
    console.print(
        "[dim]Ranking and the shortlist (top share) need the other applicants: see screen_batch.[/]"
    )


def _help() -> str:
    example = EXAMPLES / "customer_service_lead.yaml"
    lines = [
        "Screen one RESUME against a job profile (--job) and print the fit: each part's score "
        "(skills, experience, education, other) with its weight and evidence, the must-haves, "
        "and the explanation a candidate may read.",
        "Exit codes: 0 scored; 3 the resume is unparseable (empty, binary, too large, "
        "undecodable, unsupported language: the reason is on stderr and in the JSON); "
        "2 a bad job file or argument; 1 the NER model is missing.",
        "A job profile (YAML or JSON; only title is required):",
    ]
    if example.exists():
        yaml_lines = example.read_text(encoding="utf-8").strip().splitlines()
        lines.append("\n".join(f"    {escape(line)}" for line in yaml_lines))
    lines += [
        "Must-haves: '<skill>经验>=N年', '<skill> experience >= N years', '本科及以上', "
        "'bachelor or above', 'min_years>=N', or a skill name. Skills and must-haves use the "
        "taxonomy's names or any synonym (hrhub/scoring/resume/skills.yaml).",
        f"Example: hrhub screen cv.txt --job {example.relative_to(EXAMPLES.parents[3])} --json",
    ]
    return "\n\n".join(lines)


screen.__doc__ = _help()
