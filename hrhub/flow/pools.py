"""Airflow pools, one per target system: they cap how many tasks write to a system at once.

Each system's limit is its own (SuccessFactors' API budget, DingTalk's per-app rate), and a
pool per system keeps one slow system from taking every worker slot from the others. DAG files
import this module at parse time, so it holds constants only.
"""

from __future__ import annotations

PUSH_POOL_SLOTS: dict[str, int] = {
    "successfactors": 2,
    "yonyou": 2,
    "interview_room": 2,
    "dingtalk": 1,  # one sender: DingTalk's per-app QPS is shared by every notice
    "attendance": 1,
}
"""Systems hrhub writes to, and how many of its tasks may write to each at once."""


def pool_name(system: str) -> str:
    return f"hrhub_{system}"


RESULT_TARGETS: tuple[str, ...] = ("successfactors", "yonyou")
"""Systems that take interview results (the systems of `hrhub.flow.score.RESULT_OPERATIONS`,
named here so interview_results knows its push tasks at parse time without importing the
scoring step; a test keeps the two in step)."""
