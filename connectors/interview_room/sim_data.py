"""The interview room simulator's fixed data: the question bank, and what each candidate does.

Everything a candidate "does" in the room (which consent boxes they tick, whether they answer
well, how long they pause, whether they switch tabs) is a pure function of their candidate id,
so the same candidate gets the same interview in every run, on every machine, whatever order
the hub creates its orders in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

LANGUAGES = ("zh", "en")
JOB_FAMILIES = ("sales", "customer_service", "data_engineering")
NOTICE_VERSIONS = ("2024-09", "2025-03")


@dataclass(frozen=True)
class Question:
    """One question of the shared bank, in both languages, with what it evidences."""

    id: str
    zh: str
    en: str
    competencies: tuple[str, ...]

    def text(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


QUESTION_BANK: dict[str, Question] = {
    q.id: q
    for q in (
        Question(
            "q_complaint",
            "请讲一次你处理客户投诉的经历。",
            "Tell us about a time you handled a customer complaint.",
            ("communication", "customer_focus", "problem_solving"),
        ),
        Question(
            "q_team",
            "请描述一次你带领团队完成目标的经历。",
            "Describe a time you led a team to reach a goal.",
            ("leadership", "communication"),
        ),
        Question(
            "q_sales",
            "请介绍一次你超额完成销售目标的经历。",
            "Tell us about a time you exceeded a sales target.",
            ("sales_skill", "customer_focus"),
        ),
        Question(
            "q_pipeline",
            "请介绍一个你搭建的数据管道项目。",
            "Describe a data pipeline you built.",
            ("technical_depth", "problem_solving"),
        ),
        Question(
            "q_motivation",
            "你为什么想加入我们？",
            "Why do you want to join us?",
            ("motivation", "communication"),
        ),
    )
}

# The questions a job family's interview asks, in order (seeded orders use these).
FAMILY_QUESTIONS: dict[str, tuple[str, ...]] = {
    "sales": ("q_sales", "q_complaint", "q_motivation"),
    "customer_service": ("q_complaint", "q_team", "q_motivation"),
    "data_engineering": ("q_pipeline", "q_team", "q_motivation"),
}

ZH_NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄浩然", "周子涵", "吴嘉怡")
EN_NAMES = ("Emily Clarke", "David Miller", "Sarah Lee", "Michael Brown", "Olivia Chen")

SHARE_WEAK_ANSWERS = 0.35
SHARE_NO_AUDIO_CONSENT = 0.25
SHARE_OPT_OUT = 0.2


def unit(seed: int, *parts: object) -> float:
    """A float in [0, 1) fixed by (seed, parts): stable across runs and processes."""
    key = "|".join(map(str, (seed, *parts))).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64


def short_id(prefix: str, *parts: object) -> str:
    """A stable id such as `ord_3f9a0c1d2e4b` from what identifies the thing."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=6).hexdigest()
    return f"{prefix}_{digest}"


def answer_quality(candidate_id: str) -> str:
    """Either "strong" or "weak": how this candidate answers the questions that have a weak clip."""
    return "weak" if unit(0, "quality", candidate_id) < SHARE_WEAK_ANSWERS else "strong"


def consent_for(candidate_id: str, recorded_at: datetime) -> dict[str, Any]:
    """The boxes this candidate ticks on the room's notice page, before the first question.

    Some refuse voice analysis, some refuse decisions made by automation alone (PIPL art. 24);
    the two are drawn apart so every combination occurs.
    """
    return {
        "audio_consent": unit(0, "audio", candidate_id) >= SHARE_NO_AUDIO_CONSENT,
        "automated_decision_opt_out": unit(0, "opt_out", candidate_id) < SHARE_OPT_OUT,
        "recorded_at": iso(recorded_at),
        "notice_version": NOTICE_VERSIONS[int(unit(0, "notice", candidate_id) * 2)],
    }


def platform_signals(
    candidate_id: str, question_ids: Sequence[str], quality: str
) -> dict[str, float | int | str | bool | None]:
    """What the room measured besides speech, flat (the canonical record takes scalars only).

    `answer_latency_ms.<question_id>`: silence between the end of the question and the first
    word; `answer_latency_ms`: their mean. Weak answerers hesitate longer. `camera_on` and
    `tab_switches` are only present where the candidate's browser reported them (about one in
    six does not).
    """
    signals: dict[str, float | int | str | bool | None] = {}
    base = 2600 if quality == "weak" else 900
    latencies = [base + int(unit(0, "latency", candidate_id, qid) * 1800) for qid in question_ids]
    for qid, latency in zip(question_ids, latencies, strict=True):
        signals[f"answer_latency_ms.{qid}"] = latency
    if latencies:
        signals["answer_latency_ms"] = round(sum(latencies) / len(latencies))
    if unit(0, "browser", candidate_id) >= 1 / 6:
        signals["camera_on"] = unit(0, "camera", candidate_id) >= 0.1
        signals["tab_switches"] = int(unit(0, "tabs", candidate_id) ** 3 * 7)
    return signals


def iso(moment: datetime) -> str:
    """UTC with milliseconds and a Z: fixed width, so the text sorts like the time."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def from_epoch(seconds: float) -> datetime:
    """Simulator clock seconds as an aware UTC datetime, to the millisecond."""
    return datetime.fromtimestamp(round(seconds, 3), UTC)


def seed_orders(count: int, as_of: datetime) -> list[dict[str, Any]]:
    """`count` orders (the body the hub would have posted) whose sessions completed before
    `as_of`, one every 20 minutes, and how long each session took (seconds)."""
    orders = []
    for n in range(count):
        language = LANGUAGES[n % 3 == 2]  # two in three interviews are in Chinese
        names = ZH_NAMES if language == "zh" else EN_NAMES
        family = JOB_FAMILIES[n % len(JOB_FAMILIES)]
        number = 7001 + n
        completed = as_of - timedelta(minutes=20 * (count - n))
        orders.append(
            {
                "external_id": f"hrhub:interview:{number}-ai",
                "application_id": f"successfactors:application:{number}",
                "candidate": {
                    "id": f"successfactors:candidate:{5001 + n}",
                    "name": names[n % len(names)],
                    "language": language,
                },
                "job": {"id": f"successfactors:job:{301 + n % 4}", "family": family},
                "questions": [
                    {"id": qid, "text": QUESTION_BANK[qid].text(language)}
                    for qid in FAMILY_QUESTIONS[family]
                ],
                "_completed_at": completed,
                "_duration_s": 600 + int(unit(0, "duration", number) * 900),
            }
        )
    return orders
