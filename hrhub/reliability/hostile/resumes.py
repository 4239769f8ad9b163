"""Broken resumes through the screen step (`screen_applications`): parser, scoring, ledger.

Each case stages one open requisition and three applications to it in a fresh ledger; the
system's bulk resume read (`resumes(system, records)`) answers the first application with the
hostile file and the other two with generated resumes (`hrhub.bench.screening`'s, the ones
the screening benchmark parses). The hostile one must end in dead letters naming the
application and the field `resume`, at stage `dead_letter`; the other two must be screened.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors._core.errors import RecordRejected
from hrhub.bench.screening import generate_resume
from hrhub.flow.job_profiles import JobProfiles
from hrhub.flow.screen import screen_applications
from hrhub.ledger import Ledger, StagedRecord, StageInput
from hrhub.models import Application, Candidate, Job
from hrhub.reliability.hostile.corpus import (
    HostileInput,
    Verdict,
    accepted,
    names_in,
    quarantined,
)
from hrhub.reliability.hostile.values import BINARY_HEADS, INJECTIONS, encoded, truncated
from hrhub.scoring.resume import DEFAULT_MAX_BYTES

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "resumes"
SYSTEM = "successfactors"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TITLE = "数据工程师"
PROFILE = f"""\
match_titles: [{TITLE}]
interview: {{family: data_engineering}}
screening:
  title: {TITLE}
  required_skills: [Python, SQL]
  min_years_experience: 2
  shortlist_share: 0.5
"""
NEIGHBOURS = 2


@dataclass
class World:
    folder: Path
    profiles: JobProfiles
    good: list[bytes]
    _ledgers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fresh_ledger(self) -> Ledger:
        return Ledger.open(f"sqlite:///{self.folder / f'ledger-{next(self._ledgers)}.db'}")


@contextmanager
def world(folder: Path) -> Iterator[World]:
    jobs = folder / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    (jobs / "data_engineer.yaml").write_text(PROFILE, encoding="utf-8")
    good = [generate_resume(index).encode("utf-8") for index in range(NEIGHBOURS)]
    yield World(folder, JobProfiles.load(jobs), good)


def _stage(ledger: Ledger) -> list[str]:
    """One open requisition and its applications; their canonical ids, the victim first."""
    job = Job(source_system=SYSTEM, remote_id="1", modified_at=NOW, title=TITLE)
    staged = [StageInput.of(job)]
    ids = []
    for n in range(1 + NEIGHBOURS):
        candidate = Candidate(
            source_system=SYSTEM, remote_id=str(100 + n), modified_at=NOW, name=f"候选人{n}"
        )
        application = Application(
            source_system=SYSTEM,
            remote_id=str(900 + n),
            modified_at=NOW,
            candidate_id=candidate.canonical_id,
            job_id=job.canonical_id,
        )
        staged += [StageInput.of(candidate), StageInput.of(application)]
        ids.append(application.canonical_id)
    ledger.stage(staged, batch_id="hostile-resumes")
    return ids


def feed_resume(hostile: Callable[[], Any]) -> Callable[[World], Verdict]:
    def feed(world: World) -> Verdict:
        ledger = world.fresh_ledger()
        try:
            victim, *others = _stage(ledger)
            answers = {victim: hostile(), **dict(zip(others, world.good, strict=True))}

            def resumes(system: str, records: list[StagedRecord]) -> dict[str, Any]:
                return {r.canonical_id: answers[r.canonical_id] for r in records}

            screen_applications(ledger, resumes=resumes, profiles=world.profiles, now=NOW)
            stages = {r.canonical_id: r.stage for r in ledger.get_records([victim, *others])}
            neighbours = all(stages[o] in ("screened", "shortlisted") for o in others)
            letters = [d for d in ledger.dead_letters() if d.record_id == victim]
            if not letters:
                return accepted(f"no dead letter; stage {stages[victim]}", neighbours_ok=neighbours)
            (letter,) = letters
            text = f"{letter.record_id} {letter.field} {letter.reason}"
            return quarantined(
                letter.reason,
                names_record=names_in(text, victim, "resume") and stages[victim] == "dead_letter",
                neighbours_ok=neighbours,
            )
        finally:
            ledger.close()

    return feed


_SAMPLE = generate_resume(7)


def _interleaved_nul() -> bytes:
    """Text with a NUL after every few bytes: neither text nor UTF-16."""
    raw = _SAMPLE.encode("utf-8")
    return b"".join(raw[i : i + 3] + b"\x00" for i in range(0, len(raw), 3))


_CASES: dict[str, tuple[str, Callable[[], Any]]] = {
    "empty": ("zero bytes", lambda: b""),
    "whitespace": ("only spaces and newlines", lambda: b" \n\t\r\n   \n"),
    "nul_only": ("only NUL bytes", lambda: b"\x00" * 4096),
    "nul_interleaved": ("NUL bytes all through the text", _interleaved_nul),
    "random_binary": ("bytes of no format", lambda: bytes(range(256)) * 64),
    "oversized": (
        f"{DEFAULT_MAX_BYTES + 1:,} bytes, over the limit",
        lambda: ("简历" * (DEFAULT_MAX_BYTES // 6 + 2)).encode("utf-8"),
    ),
    "oversized_str": (
        "text over the size limit",
        lambda: "a" * (DEFAULT_MAX_BYTES + 10),
    ),
    "digits_only": ("no letters at all", lambda: b"2019.03-2024.05 13912345678 100% ---"),
    "russian": (
        "a language screening does not read",
        lambda: "Опыт работы: инженер данных, Python, SQL, 5 лет.".encode(),
    ),
    "korean": (
        "a language screening does not read",
        lambda: "경력: 데이터 엔지니어 5년, 파이썬과 SQL 전문".encode(),
    ),
    "arabic": (
        "a language screening does not read",
        lambda: "خبرة خمس سنوات في هندسة البيانات".encode(),
    ),
    "utf16_bom_broken": (
        "a UTF-16 byte order mark on an odd-length body",
        lambda: b"\xff\xfe" + b"a\x00b",
    ),
    "control_text": ("text (str) full of control characters", lambda: "\x01\x02\x03\x04" * 500),
    "wrong_type_int": ("the system answered a number, not a file", lambda: 12345),
    "wrong_type_dict": ("the system answered an object, not a file", lambda: {"file": "cv.txt"}),
    "none": ("the system answered nothing for this application", lambda: None),
    "rejected": (
        "the system says the application has no resume",
        lambda: RecordRejected(
            "JobApplication(900) has no resume", system=SYSTEM, record_id="900", field="resume"
        ),
    ),
    "utf32_bom_garbage": (
        "a UTF-32 byte order mark on bytes that are not UTF-32",
        lambda: b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff" * 8,
    ),
}
_CASES.update(
    {
        f"mislabelled_{name}": (f"a {name.upper()} file in place of text", lambda head=head: head)
        for name, head in BINARY_HEADS.items()
    }
)
_CASES.update(
    {
        "doc_ole": (
            "a legacy Word .doc (OLE) in place of text",
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        ),
        "rtf": (
            "an RTF file in place of text",
            lambda: b"{\\rtf1\\ansi " + INJECTIONS["html"].encode() + b"}",
        ),
        "truncated_gbk_binary": (
            "the first bytes of a PNG cut off",
            lambda: truncated(BINARY_HEADS["png"], 0.3),
        ),
        "utf8_bom_empty": ("a byte order mark and nothing else", lambda: encoded("", "utf-8-bom")),
    }
)


def cases() -> list[HostileInput]:
    return [
        HostileInput(ENTRY_POINT, name, problem, feed_resume(make))
        for name, (problem, make) in _CASES.items()
    ]
