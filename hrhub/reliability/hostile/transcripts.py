"""Hostile transcripts through the score step (spaCy, the rubric), among good interviews.

What the interview room delivers per question (the segments) and the job family that picks the
rubric: empty, garbled, mojibake, NUL bytes, answers to questions nobody asked, injection
strings where a question id or a family belongs, times that cannot be, a family that is a path.
A transcript that cannot be scored must be held for a person with the reason (which answer,
what is wrong) or, when the analysis itself is unusable, go to dead letters naming it and the
field; the good interviews next to it must be scored. Audio plays no part here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hrhub.reliability.hostile.corpus import HostileInput, Kind, Verdict, accepted
from hrhub.reliability.hostile.interviews import Interviews, analysis_payload, score_among_good
from hrhub.reliability.hostile.values import INJECTIONS

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "transcripts"
GARBLE = "����@@##$$%%^^&&**□□□■■����"


@contextmanager
def world(folder: Path) -> Iterator[Interviews]:
    yield Interviews(folder, b"")


def _segments() -> list[dict[str, Any]]:
    return analysis_payload(0)["segments"]


def _texts(change: Callable[[str], str]) -> Callable[[], list[dict[str, Any]]]:
    """Every answer's text passed through `change`."""

    def make() -> list[dict[str, Any]]:
        return [{**s, "text": change(s["text"])} for s in _segments()]

    return make


def _each(**fields: Any) -> Callable[[], list[dict[str, Any]]]:
    """Every segment with `fields` set."""
    return lambda: [{**s, **fields} for s in _segments()]


def _first(**fields: Any) -> Callable[[], list[dict[str, Any]]]:
    """The first segment with `fields` set, the others as they were."""

    def make() -> list[dict[str, Any]]:
        segments = _segments()
        segments[0] = {**segments[0], **fields}
        return segments

    return make


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as Latin-1: what a wrong charset header does to Chinese."""
    return text.encode("utf-8").decode("latin-1")


def _gbk_as_utf8(text: str) -> str:
    """GBK bytes read as UTF-8 with replacement characters."""
    return text.encode("gbk").decode("utf-8", "replace")


# name -> (what is wrong, segments, field names a good reason uses)
_SEGMENTS: dict[str, tuple[str, Callable[[], Any], tuple[str, ...]]] = {
    "empty": ("no segments at all", lambda: [], ("empty_transcript",)),
    "interviewer_only": (
        "only the interviewer speaks",
        _each(speaker="interviewer"),
        ("empty_transcript",),
    ),
    "blank_answers": ("every answer is blank", _texts(lambda _t: "  \n\t "), ("empty_transcript",)),
    "garbled": ("every answer is symbols", _texts(lambda _t: GARBLE), ("garbled_answer",)),
    "mojibake": ("UTF-8 read as Latin-1", _texts(_mojibake), ("garbled_answer",)),
    "gbk_as_utf8": ("GBK read as UTF-8", _texts(_gbk_as_utf8), ("garbled_answer",)),
    "nul_bytes": (
        "answers of NUL bytes",
        _texts(lambda t: "\x00" * len(t)),
        ("empty_transcript", "garbled_answer"),
    ),
    "emoji_only": ("answers of emoji", _texts(lambda _t: "😀🙏🔥💯" * 10), ("garbled_answer",)),
    "unknown_questions": (
        "answers to questions nobody asked",
        lambda: [{**s, "question_id": f"q_unknown_{i}"} for i, s in enumerate(_segments())],
        ("unknown_question", "q_unknown"),
    ),
    "question_id_sql": (
        "a question id that is SQL",
        _each(question_id=INJECTIONS["sql"]),
        ("unknown_question",),
    ),
    "question_id_traversal": (
        "a question id that is a path",
        _each(question_id=INJECTIONS["traversal"]),
        ("unknown_question",),
    ),
    "question_id_html": (
        "a question id that is a script",
        _each(question_id=INJECTIONS["html"]),
        ("unknown_question",),
    ),
    "one_answer_missing": (
        "one of the three questions has no answer",
        lambda: _segments()[1:],
        ("missing_answer",),
    ),
    "end_before_start": (
        "a segment ends before it starts",
        _first(start_ms=5000, end_ms=10),
        ("segments",),
    ),
    "negative_time": (
        "a segment starts before the recording",
        _first(start_ms=-1),
        ("segments", "start_ms"),
    ),
    "text_not_text": ("an answer that is a number", _first(text=12345), ("segments", "text")),
    "speaker_unknown": (
        "a speaker the room does not have",
        _first(speaker="robot"),
        ("segments", "speaker"),
    ),
    "time_huge": (
        "a segment time beyond any recording",
        _first(end_ms=10**30),
        ("segments", "end_ms"),
    ),
    "segments_not_list": ("segments is text", lambda: "q1: 我很好", ("segments",)),
    "segment_not_object": (
        "a segment that is a string",
        lambda: ["我很好", *_segments()[1:]],
        ("segments",),
    ),
}


KNOWN_GAPS: dict[str, str] = {}


def _family(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        payload["raw"]["job_family"] = value

    return change


def _no_family(payload: dict[str, Any]) -> None:
    payload["raw"].pop("job_family", None)


# name -> (what is wrong, the change, what the reason must say)
_FAMILIES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "family_unknown": ("a job family no rubric has", _family("astronaut"), "unknown job family"),
    "family_missing": ("no job family", _no_family, "missing"),
    "family_path": (
        "a job family that is an absolute path",
        _family("/etc/passwd"),
        "unknown job family",
    ),
    "family_traversal": (
        "a job family that climbs out of the rubrics",
        _family("../../../../etc/hostname"),
        "unknown job family",
    ),
    "family_sql": ("a job family that is SQL", _family(INJECTIONS["sql"]), "unknown job family"),
    "family_wrong_type": ("a job family that is a list", _family(["sales"]), "missing"),
}


def feed_segments(
    make: Callable[[], Any], fields: tuple[str, ...]
) -> Callable[[Interviews], Verdict]:
    def feed(interviews: Interviews) -> Verdict:
        victim = analysis_payload(0, segments=make())
        return score_among_good(interviews, victim, None, field_names=fields, audio=False)

    return feed


def feed_family(
    change: Callable[[dict[str, Any]], None], says: str
) -> Callable[[Interviews], Verdict]:
    """A family case: the reason must say `says`; any other reason means the family went
    further than a name should (a path opened, a file's first line in the reason)."""

    def feed(interviews: Interviews) -> Verdict:
        victim = json.loads(json.dumps(analysis_payload(0)))
        change(victim)
        verdict = score_among_good(
            interviews, victim, None, field_names=("job_family",), audio=False
        )
        if verdict.kind is Kind.QUARANTINED and says not in verdict.message:
            return accepted(
                f"taken further than a family name (expected {says!r}): {verdict.message}",
                neighbours_ok=verdict.neighbours_ok,
            )
        return verdict

    return feed


def cases() -> list[HostileInput]:
    found = [
        HostileInput(
            ENTRY_POINT,
            name,
            problem,
            feed_segments(make, fields),
            known_gap=KNOWN_GAPS.get(name),
        )
        for name, (problem, make, fields) in _SEGMENTS.items()
    ]
    found += [
        HostileInput(ENTRY_POINT, name, problem, feed_family(change, says))
        for name, (problem, change, says) in _FAMILIES.items()
    ]
    return found
