"""Hostile arguments and files given to the real `hrhub` command line, in this process.

typer's CliRunner runs `hrhub.cli.app` as a person would call it, against a ledger in the
case folder (HRHUB_DATABASE_URL, restored afterwards). A bad argument or file must end with a
non-zero exit code and a message that says what is wrong (and names the file, where a file is
wrong), never a traceback; exit code 0 means the input was taken as sound.

Only inputs refused while the arguments are read are given to commands that otherwise run
until stopped (`sandbox up`) or start Airflow (`demo`).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hrhub.bench.screening import generate_resume
from hrhub.cli.screen import EXAMPLES as JOB_EXAMPLES
from hrhub.ledger import ENV_VAR, Ledger
from hrhub.reliability.hostile.corpus import HostileInput, Verdict, accepted, names_in, refused
from hrhub.reliability.hostile.seed import Seeded, seed
from hrhub.reliability.hostile.values import BINARY_HEADS, INJECTIONS, deep_json, encoded
from hrhub.scoring.examples import EXAMPLES_DIR

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "cli"
INTERVIEW_EXAMPLE = EXAMPLES_DIR / "interview_zh_customer_service.json"


@dataclass
class World:
    folder: Path
    runner: Any
    app: Any
    seeded: Seeded

    def file(self, name: str, data: bytes | str) -> str:
        path = self.folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return str(path)

    @property
    def resume(self) -> str:
        return self.file("resume.txt", generate_resume(3))

    @property
    def job(self) -> str:
        return str(JOB_EXAMPLES / "data_engineer.yaml")

    @property
    def interview(self) -> str:
        return str(INTERVIEW_EXAMPLE)


@contextmanager
def world(folder: Path) -> Iterator[World]:
    from typer.testing import CliRunner

    from hrhub.cli import app

    url = f"sqlite:///{folder / 'ledger.db'}"
    ledger = Ledger.open(url)
    try:
        seeded = seed(ledger)
    finally:
        ledger.close()
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = url
    try:
        yield World(folder, CliRunner(), app, seeded)
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before


Args = Callable[[World], list[str]]


def feed_args(args: Args, named: Callable[[World], str] | None) -> Callable[[World], Verdict]:
    """Run `hrhub <args>`; refused is a non-zero exit with a message and no traceback (naming
    `named(world)`, the file or value at fault, where one is given)."""

    def feed(world: World) -> Verdict:
        argv = args(world)
        result = world.runner.invoke(world.app, argv, catch_exceptions=True)
        output = result.output or ""  # stdout and stderr, as a terminal shows them
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception  # the runner reports it as a crash with its traceback
        if result.exit_code == 0:
            return accepted(f"exit 0: {output.strip()[-300:]}")
        message = " ".join(output.split())[-600:]
        if not message or "Traceback" in output:
            return refused(
                message or f"exit {result.exit_code} without a message", names_record=False
            )
        names = None if named is None else names_in(message, _spellings(named(world)))
        return refused(f"exit {result.exit_code}: {message}", names_record=names)

    return feed


def _spellings(value: str) -> tuple[str, ...]:
    """A file as rich may print it: its full path (wrapped lines joined), its name, or the
    value itself."""
    return (value, Path(value).name) if value else (value,)


def _screen_resume(name: str, data: bytes | str) -> Args:
    return lambda w: ["screen", w.file(name, data), "--job", w.job]


def _screen_job(name: str, data: bytes | str) -> Args:
    return lambda w: ["screen", w.resume, "--job", w.file(name, data)]


def _score_json(name: str, data: bytes | str) -> Args:
    return lambda w: ["score", w.file(name, data)]


def _score_rubric(name: str, data: bytes | str) -> Args:
    return lambda w: ["score", w.interview, "--rubric", w.file(name, data)]


def _decide(world: World, *options: str) -> list[str]:
    review = world.seeded.review_ids[0]
    return ["review", "decide", review, "--by", "Li Na", "--reason", "checked", *options]


def _file_named(name: str) -> Callable[[World], str]:
    return lambda w: name


_ALIAS_BOMB = "".join(
    f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}]\n" if i else "l0: &l0 [lol]\n"
    for i in range(14)
)
_INTERVIEW = INTERVIEW_EXAMPLE.read_text(encoding="utf-8")


def _cut_wav() -> bytes:
    """A 16 kHz mono PCM header declaring 4,096 bytes of samples, and none of them."""
    fmt = struct.pack("<HHIIHH", 1, 1, 16_000, 32_000, 2, 16)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 4096)
    return b"RIFF" + struct.pack("<I", len(body) + 4096) + body


# name -> (what is wrong, the arguments, what the message must name or None)
_CASES: dict[str, tuple[str, Args, Callable[[World], str] | None]] = {
    "unknown_command": (
        "a command hrhub does not have",
        lambda _w: ["frobnicate"],
        _file_named("frobnicate"),
    ),
    "unknown_option": (
        "an option no command has",
        lambda _w: ["ledger", "status", "--colour=red"],
        _file_named("--colour"),
    ),
    "screen_missing_file": (
        "a resume that does not exist",
        lambda w: ["screen", str(w.folder / "nope.txt"), "--job", w.job],
        _file_named("nope.txt"),
    ),
    "screen_directory": (
        "a folder given as the resume",
        lambda w: ["screen", str(w.folder), "--job", w.job],
        None,
    ),
    "screen_traversal": (
        "a resume path that climbs to a system file",
        lambda w: ["screen", INJECTIONS["traversal"] + "-nope", "--job", w.job],
        None,
    ),
    "screen_png": (
        "a PNG given as the resume",
        _screen_resume("photo.txt", BINARY_HEADS["png"]),
        _file_named("photo.txt"),
    ),
    "screen_empty": ("an empty resume", _screen_resume("empty.txt", b""), _file_named("empty.txt")),
    "screen_pdf_mislabelled": (
        "a PDF named .txt",
        _screen_resume("cv.txt", BINARY_HEADS["pdf"]),
        _file_named("cv.txt"),
    ),
    "job_not_yaml": (
        "a job profile that is not YAML",
        _screen_job("job.yaml", "title: [unclosed\n"),
        _file_named("job.yaml"),
    ),
    "job_gbk": (
        "a job profile saved in GBK",
        _screen_job("job_gbk.yaml", encoded("title: 数据工程师\nrequired_skills: [数据]\n", "gbk")),
        _file_named("job_gbk.yaml"),
    ),
    "job_list": (
        "a job profile that is a list",
        _screen_job("job_list.yaml", "- title\n- x\n"),
        _file_named("job_list.yaml"),
    ),
    "job_nan_weight": (
        "a job profile with a NaN weight",
        _screen_job(
            "job_nan.yaml",
            "title: x\nweights: {skills: .nan, experience: 30, education: 20, other: 10}\n",
        ),
        _file_named("job_nan.yaml"),
    ),
    "job_negative_share": (
        "a shortlist share below zero",
        _screen_job("job_share.yaml", "title: x\nshortlist_share: -3\n"),
        _file_named("job_share.yaml"),
    ),
    "job_alias_bomb": (
        "a job profile whose aliases expand a billion-fold",
        _screen_job("job_bomb.yaml", _ALIAS_BOMB),
        _file_named("job_bomb.yaml"),
    ),
    "job_title_html": (
        "a job title with no text but markup",
        _screen_job("job_html.json", json.dumps({"title": ""})),
        _file_named("job_html.json"),
    ),
    "score_truncated_json": (
        "an interview JSON cut off",
        _score_json("cut.json", _INTERVIEW[: len(_INTERVIEW) // 2]),
        _file_named("cut.json"),
    ),
    "score_nested_json": (
        "an interview JSON nested 100,000 deep",
        _score_json("deep.json", deep_json()),
        _file_named("deep.json"),
    ),
    "score_nan_json": (
        "an interview with NaN for a time",
        _score_json("nan.json", _INTERVIEW.replace('"end_ms": 10913', '"end_ms": NaN')),
        _file_named("nan.json"),
    ),
    "score_huge_int_json": (
        "an interview time with 5,000 digits",
        _score_json("big.json", _INTERVIEW.replace('"end_ms": 10913', '"end_ms": ' + "9" * 5000)),
        _file_named("big.json"),
    ),
    "score_utf16_json": (
        "an interview saved in UTF-16",
        _score_json("utf16.json", encoded(_INTERVIEW, "utf-16")),
        _file_named("utf16.json"),
    ),
    "score_wrong_types": (
        "an interview whose segments is a string",
        _score_json("types.json", json.dumps({**json.loads(_INTERVIEW), "segments": "none"})),
        _file_named("types.json"),
    ),
    "score_truncated_wav": (
        "a WAV cut off after its header",
        _score_json("cut.wav", _cut_wav()),
        _file_named("cut.wav"),
    ),
    "score_family_traversal": (
        "a --family that is a path",
        lambda w: ["score", w.interview, "--family", "../../../../etc/passwd"],
        _file_named("../../../../etc/passwd"),
    ),
    "rubric_control_char": (
        "a rubric with a character YAML refuses",
        _score_rubric("rubric_ctrl.yaml", "family: sales\nversion: \x1f\n"),
        _file_named("rubric_ctrl.yaml"),
    ),
    "rubric_bad_date": (
        "a rubric holding 2024-13-01",
        _score_rubric("rubric_date.yaml", "family: sales\nversion: 2024-13-01\n"),
        _file_named("rubric_date.yaml"),
    ),
    "rubric_nested": (
        "a rubric nested 5,000 deep",
        _score_rubric("rubric_deep.yaml", "family: " + "[" * 5000 + "]" * 5000 + "\n"),
        _file_named("rubric_deep.yaml"),
    ),
    "rubric_alias_bomb": (
        "a rubric whose aliases expand a billion-fold",
        _score_rubric("rubric_bomb.yaml", _ALIAS_BOMB),
        _file_named("rubric_bomb.yaml"),
    ),
    "rubric_recursive_alias": (
        "a rubric that contains itself",
        _score_rubric("rubric_loop.yaml", "family: &a [*a]\n"),
        _file_named("rubric_loop.yaml"),
    ),
    "rubric_huge_number": (
        "a rubric with a 5,000-digit number",
        _score_rubric("rubric_big.yaml", "family: sales\npass_at: " + "9" * 5000 + "\n"),
        _file_named("rubric_big.yaml"),
    ),
    "replay_bad_stage": (
        "a replay stage that does not exist",
        lambda _w: ["replay", "--stage", "sideways"],
        _file_named("sideways"),
    ),
    "replay_bad_id": (
        "a dead letter id that is not a number",
        lambda _w: ["replay", "--id", "1;DROP"],
        _file_named("--id"),
    ),
    "export_no_folder": (
        "an export into a folder that does not exist",
        lambda w: ["export", "--dead-letters", str(w.folder / "no" / "such" / "x.xlsx")],
        _file_named("x.xlsx"),
    ),
    "review_unknown": (
        "a decision on a review that does not exist",
        lambda _w: [
            "review",
            "decide",
            INJECTIONS["sql"],
            "--by",
            "Li Na",
            "--reason",
            "r",
            "--approve",
        ],
        _file_named(INJECTIONS["sql"]),
    ),
    "review_nan_score": (
        "a changed score that is NaN",
        lambda w: _decide(w, "--change", "pass", "--score", "nan"),
        _file_named("score"),
    ),
    "review_score_over_100": (
        "a changed score of 1e400",
        lambda w: _decide(w, "--change", "pass", "--score", "1e400"),
        _file_named("score"),
    ),
    "review_change_unknown": (
        "a changed decision that is not one",
        lambda w: _decide(w, "--change", INJECTIONS["html"]),
        _file_named("decision"),
    ),
    "review_two_decisions": (
        "approve and reject at once",
        lambda w: _decide(w, "--approve", "--reject"),
        None,
    ),
    "replay_huge_id": (
        "a dead letter id past any database integer",
        lambda _w: ["replay", "--id", "9" * 30],
        _file_named("9" * 30),
    ),
    "mappings_check_missing": (
        "a mapping folder that does not exist",
        lambda w: ["mappings", "check", "--path", str(w.folder / "nowhere")],
        _file_named("nowhere"),
    ),
    "mappings_approve_missing": (
        "approving a mapping file that does not exist",
        lambda w: ["mappings", "approve", str(w.folder / "ghost.in.yaml"), "--by", "Li"],
        _file_named("ghost.in.yaml"),
    ),
    "mappings_diff_rev_injection": (
        "a git revision that is a shell command",
        lambda w: ["mappings", "diff", w.job, "--rev", "HEAD;rm -rf /..HEAD"],
        None,
    ),
    "ledger_bad_head": (
        "an expected audit head that is not SEQ:HASH",
        lambda _w: ["ledger", "verify", "--expect-head", "zzz"],
        _file_named("zzz"),
    ),
    "bench_unknown": (
        "a benchmark that does not exist",
        lambda _w: ["bench", "../../etc/passwd"],
        _file_named("../../etc/passwd"),
    ),
    "calibrate_gbk_csv": (
        "ratings saved in GBK",
        lambda w: [
            "scoring",
            "calibrate",
            w.file("ratings.csv", encoded("面试,评分\n一,二\n", "gbk")),
        ],
        _file_named("ratings.csv"),
    ),
    "calibrate_nan": (
        "ratings that are NaN",
        lambda w: [
            "scoring",
            "calibrate",
            w.file("nan.csv", "interview_id,skill,human_rating\na,nan,3\nb,inf,4\n"),
        ],
        _file_named("nan.csv"),
    ),
    "bias_binary": (
        "a results file that is a ZIP",
        lambda w: ["scoring", "bias-audit", w.file("results.csv", BINARY_HEADS["zip"])],
        _file_named("results.csv"),
    ),
    "bias_bad_date": (
        "an audit date that is none",
        lambda w: [
            "scoring",
            "bias-audit",
            str(EXAMPLES_DIR / "results_example.csv"),
            "--audit-date",
            "2024-02-30",
        ],
        _file_named("2024-02-30"),
    ),
    "sandbox_unknown_system": (
        "a system that is not registered",
        lambda _w: ["sandbox", "up", "--only", "oracle_hcm"],
        _file_named("oracle_hcm"),
    ),
    "sandbox_bad_knob": (
        "a fault knob that does not exist",
        lambda _w: ["sandbox", "up", "--faults", "explode=1"],
        _file_named("explode"),
    ),
    "sandbox_nan_knob": (
        "a fault knob that is NaN",
        lambda _w: ["sandbox", "up", "--faults", "error_rate=nan"],
        _file_named("error_rate"),
    ),
    "sandbox_bad_set": (
        "a simulator option not SYSTEM.NAME=VALUE",
        lambda _w: ["sandbox", "up", "--set", "candidates"],
        _file_named("candidates"),
    ),
    "demo_zero_candidates": (
        "a demo of zero candidates",
        lambda _w: ["demo", "--candidates", "0"],
        None,
    ),
    "demo_candidates_text": (
        "a number of candidates that is text",
        lambda _w: ["demo", "--candidates", "many"],
        _file_named("--candidates"),
    ),
}


def cases() -> list[HostileInput]:
    return [
        HostileInput(ENTRY_POINT, name, problem, feed_args(args, named))
        for name, (problem, args, named) in _CASES.items()
    ]
