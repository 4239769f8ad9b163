"""`hrhub score`: one analysed interview scored with a family's rubric, or one WAV measured.

An interview is the canonical InterviewAnalysis JSON (what the interview room delivers after
mapping). A bare WAV file gives its audio features only: what the rubric would read from the
recording, for an operator checking a recording or an auditor checking the numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from hrhub.cli._output import console, emit_json, err_console, fail

if TYPE_CHECKING:
    from hrhub.models import InterviewAnalysis
    from hrhub.scoring.interview import CompetencyModel, ScoredInterview

EXIT_UNSCORED = 3
EXAMPLES = Path(__file__).resolve().parents[1] / "scoring" / "examples"
RIFF = b"RIFF"

InterviewArgument = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
        metavar="INTERVIEW",
        help="InterviewAnalysis JSON, or a WAV recording (audio features only).",
    ),
]
FamilyOption = Annotated[
    str | None,
    typer.Option(
        "--family",
        metavar="FAMILY",
        help="Job family rubric: sales, customer_service or data_engineering "
        "(default: the family the interview room recorded in the analysis, if any).",
    ),
]
RubricOption = Annotated[
    Path | None,
    typer.Option(
        "--rubric",
        exists=True,
        dir_okay=False,
        metavar="YAML",
        help="A competency model file of your own instead of a shipped family.",
    ),
]
AudioOption = Annotated[
    Path | None,
    typer.Option(
        "--audio",
        exists=True,
        dir_okay=False,
        metavar="WAV",
        help="The interview recording; used only if the candidate consented to audio analysis.",
    ),
]
ResumeOption = Annotated[
    Path | None,
    typer.Option(
        "--resume",
        exists=True,
        dir_okay=False,
        metavar="RESUME",
        help="The candidate's resume: claims no answer supports are flagged.",
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="The outcome as one JSON document.")]


def score(
    interview: InterviewArgument,
    family: FamilyOption = None,
    rubric: RubricOption = None,
    audio: AudioOption = None,
    resume: ResumeOption = None,
    json_output: JsonFlag = False,
) -> None:
    """(replaced below by `_help()`)"""
    try:
        data = interview.read_bytes()
    except OSError as exc:
        fail(f"{interview}: cannot read: {exc}", code=2)
    if data[:4] == RIFF or interview.suffix.lower() == ".wav":
        _score_wav(interview, data, json_output)
        return
    analysis = _read_analysis(interview, data)
    model = _competency_model(interview, analysis, family, rubric)
    features, audio_error = _audio_features(audio, analysis)
    resume_text = _resume_text(resume)
    from hrhub.scoring.interview import score_interview

    scored = score_interview(
        analysis, model, resume=resume_text, audio=features, audio_error=audio_error
    )
    if json_output:
        document = json.loads(scored.to_json())
        document["file"] = str(interview)
        document["audio"] = features
        emit_json(document)
    else:
        _print(scored, interview)
    if not scored.scored:
        err_console.print(
            f"[bold yellow]not scored:[/] {escape(str(interview))}: "
            + "; ".join(scored.result.review_reasons)
        )
        raise typer.Exit(EXIT_UNSCORED)


def _score_wav(path: Path, data: bytes, json_output: bool) -> None:
    from hrhub.scoring.audio import UnusableAudio, analyse_audio

    try:
        features = analyse_audio(data).as_dict()
    except UnusableAudio as exc:
        if json_output:
            emit_json(
                {"file": str(path), "audio": None, "unusable": exc.reason, "reason": str(exc)}
            )
        err_console.print(f"[bold yellow]unusable audio:[/] {escape(str(path))}: {exc}")
        raise typer.Exit(EXIT_UNSCORED) from None
    if json_output:
        emit_json({"file": str(path), "audio": features})
        return
    table = Table(title=escape(f"{path.name}: audio features"), title_justify="left")
    table.add_column("feature")
    table.add_column("value", justify="right")
    for key, value in features.items():
        table.add_row(key, "-" if value is None else f"{value:g}")
    console.print(table)


def _read_analysis(path: Path, data: bytes) -> InterviewAnalysis:
    from pydantic import ValidationError

    from hrhub.models import InterviewAnalysis

    try:
        document = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        fail(f"{path}: not a WAV file, and JSON nested too deeply to read", code=2)
    except ValueError as exc:  # not UTF-8, not JSON, or a number of 4300+ digits
        fail(f"{path}: not a WAV file and not JSON: {exc}", code=2)
    try:
        return InterviewAnalysis.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(record)"
        fail(
            f"{path}: not an InterviewAnalysis: field {where}: {first['msg']} "
            f"({exc.error_count()} problem(s))",
            code=2,
        )


def _competency_model(
    path: Path, analysis: InterviewAnalysis, family: str | None, rubric: Path | None
) -> CompetencyModel:
    from hrhub.scoring.interview import FAMILIES, CompetencyModelError, load_competency_model

    chosen: str | Path | None = rubric or family or _recorded_family(analysis)
    if chosen is None:
        fail(
            f"{path}: the analysis does not say the job family; "
            f"give --family ({', '.join(FAMILIES)}) or --rubric FILE",
            code=2,
        )
    if isinstance(chosen, str) and chosen not in FAMILIES:
        fail(f"unknown family {chosen!r} (known: {', '.join(FAMILIES)})", code=2)
    try:
        return load_competency_model(chosen)
    except CompetencyModelError as exc:
        fail(str(exc), code=2)


def _recorded_family(analysis: InterviewAnalysis) -> str | None:
    """The job family the room was ordered with (`job_family` in the raw payload extract keeps)."""
    family = (analysis.raw or {}).get("job_family")
    return family if isinstance(family, str) else None


def _audio_features(
    audio: Path | None, analysis: InterviewAnalysis
) -> tuple[dict[str, Any] | None, str | None]:
    """Audio features of the recording, or the reason it is unusable; none without consent."""
    if audio is None:
        return None, None
    if not analysis.consent.audio_consent:
        err_console.print(
            "[yellow]note:[/] the candidate did not consent to audio analysis; "
            f"{escape(str(audio))} was not read"
        )
        return None, None
    from hrhub.scoring.audio import UnusableAudio, analyse_audio

    try:
        return analyse_audio(audio).as_dict(), None
    except UnusableAudio as exc:
        return None, str(exc)


def _resume_text(resume: Path | None) -> str | None:
    if resume is None:
        return None
    from hrhub.scoring.resume.read import Unparseable, read_resume

    try:
        return read_resume(resume.read_bytes()).text
    except Unparseable as exc:
        fail(f"{resume}: {exc}", code=2)


def _print(scored: ScoredInterview, path: Path) -> None:
    result = scored.result
    overall = "not scored" if result.overall_score is None else f"{result.overall_score:g} / 100"
    title = f"{path.name}: {overall}, {result.decision.value}"
    table = Table(title=escape(title), title_justify="left")
    for header in ("competency", "score", "weight", "evidence"):
        table.add_column(header, justify="right" if header in ("score", "weight") else "left")
    for part in result.competency_scores:
        quote = part.evidence[0].quote if part.evidence else "(features only)"
        table.add_row(part.competency, f"{part.score:g}", f"{part.weight:g}", escape(quote[:80]))
    console.print(table)
    console.print(escape(result.explanation))
    if result.human_review:
        console.print("[bold]human review:[/] " + escape("; ".join(result.review_reasons)))
    for claim in scored.consistency_flags:
        flag = f"{escape(claim.resume_quote)} ({escape(claim.reason)})"
        console.print(f"[yellow]unsupported resume claim:[/] {flag}")
    console.print(
        f"[dim]rubric {result.rubric_version}, model {result.model_version}, "
        f"code {result.code_version}; audio used: {result.audio_features_used}[/]"
    )


def _help() -> str:
    return (
        "Score one analysed interview with a job family's rubric, or measure one WAV.\n\n"
        "INTERVIEW is the canonical InterviewAnalysis JSON (per-question transcript, consent); "
        "the result gives competency scores 0-100 with quotes as evidence, the overall score, "
        "the decision (pass / hold / reject), whether a person must review it and why, an "
        "explanation the candidate can read, and the rubric, model and code versions. The same "
        "interview scored twice gives the same JSON bytes.\n\n"
        "Given a bare WAV file it prints the audio features only (with --json under `audio`: "
        "duration_s, speech_rate_sps, articulation_rate_sps, pause_ratio, pause_count, "
        "pitch_median_hz, pitch_variability_st, loudness_variability_db).\n\n"
        f"Try: hrhub score {EXAMPLES / 'interview_zh_customer_service.json'} --json\n\n"
        "Exit codes: 0 scored (a person may still have to review it), 3 not scored or unusable "
        "audio (the reason is printed), 2 bad input (file, rubric, options)."
    )


score.__doc__ = _help()
