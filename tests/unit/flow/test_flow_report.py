"""The flow summary and its HTML report, on a SQLite ledger filled through the Ledger API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from hrhub.flow.flow_report import flow_summary, render_html, write_html
from hrhub.ledger import Ledger, StageInput
from hrhub.ledger.tables import ReviewHold
from hrhub.models import Stage

HOSTILE = '<script>alert("x")</script> & "quotes"'
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
VOID = {"meta", "br", "hr", "img", "input", "link"}


class Page(HTMLParser):
    """Records tags and text; fails on a mismatched end tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def ids(self, tag: str) -> list[str | None]:
        return [attrs.get("id") for name, attrs in self.starts if name == tag]


def parse(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    assert parsed.errors == [] and parsed.stack == []
    return parsed


def application(n: int) -> StageInput:
    return StageInput(
        canonical_id=f"successfactors:application:{n}",
        entity="application",
        source_system="successfactors",
        remote_id=str(n),
        modified_at=T0,
        payload={"n": n},
    )


def fill(ledger: Ledger) -> None:
    """10 applications across stages, 2 candidates, writes in every state, dead letters."""
    ledger.stage([application(n) for n in range(10)], batch_id="b1")
    ledger.stage(
        [
            StageInput(
                f"successfactors:candidate:{n}", "candidate", "successfactors", str(n), T0, {}
            )
            for n in range(2)
        ],
        batch_id="b1",
    )
    ids = [f"successfactors:application:{n}" for n in range(10)]
    ledger.set_stage(ids[:3], Stage.SCREENED.value)
    ledger.set_stage(ids[3:5], Stage.INVITED.value)
    ledger.set_stage(ids[5:6], Stage.HIRED.value)
    ledger.set_stage(ids[6:7], Stage.DEAD_LETTER.value)
    # ids[7:] stay extracted
    keys = [
        ledger.enqueue("dingtalk", "work_notification", f"n{i}", {"i": i}, "v1").idempotency_key
        for i in range(4)
    ]
    ledger.enqueue("interview_room", "create_orders", "iv1", {"x": 1}, "v1")
    ledger.claim("dingtalk", 4)
    ledger.complete(keys[0], "1:u0")
    ledger.complete(keys[1], "1:u1")
    ledger.fail(keys[2], HOSTILE, retriable=False, error_class="RecordRejected")
    ledger.dead_letter(
        "successfactors", "application", "a9", "bad enum", {}, error_class="MappingError"
    )
    ledger.dead_letter(
        "successfactors", "application", "a8", "bad enum too", {}, error_class="MappingError"
    )
    ledger.hold_review(ReviewHold(result_id="r1", candidate_id="c1", proposed_decision="reject"))


def test_summary_counts_stages_writes_dead_letters_and_reviews(ledger: Ledger) -> None:
    fill(ledger)
    summary = flow_summary(ledger)
    json.dumps(summary)  # plain JSON values
    assert summary["stages"]["application"] == {
        "extracted": 3,
        "screened": 3,
        "invited": 2,
        "hired": 1,
        "dead_letter": 1,
    }, "applications in flow order"
    assert list(summary["stages"]["application"]) == [
        "extracted",
        "screened",
        "invited",
        "hired",
        "dead_letter",
    ]
    assert summary["stages"]["candidate"] == {"extracted": 2}
    assert [step["stage"] for step in summary["funnel"]] == [stage.value for stage in Stage]
    assert {s["stage"]: s["count"] for s in summary["funnel"]}["scored"] == 0
    assert summary["targets"] == [
        {
            "system": "dingtalk",
            "operation": "work_notification",
            "outbox": {"pending": 0, "in_flight": 1, "done": 2, "dead": 1},
            "receipts": 2,
        },
        {
            "system": "interview_room",
            "operation": "create_orders",
            "outbox": {"pending": 1, "in_flight": 0, "done": 0, "dead": 0},
            "receipts": 0,
        },
    ]
    groups = summary["dead_letters"]
    assert [(g["system"], g["error_class"], g["count"]) for g in groups] == [
        ("successfactors", "MappingError", 2),
        ("dingtalk", "RecordRejected", 1),
    ]
    assert groups[0]["example"] == "bad enum"
    assert HOSTILE in groups[1]["example"]
    assert summary["reviews"] == {"pending": 1, "approved": 0, "changed": 0, "rejected": 0}
    assert summary["totals"] == {
        "staged": 12,
        "applications": 10,
        "writes": 5,
        "landed": 2,
        "queued": 2,
        "dead_writes": 1,
        "dead_letters_open": 3,
        "reviews_pending": 1,
    }


def test_summary_of_an_empty_ledger(ledger: Ledger) -> None:
    summary = flow_summary(ledger)
    assert summary["totals"]["applications"] == 0
    assert all(step["count"] == 0 for step in summary["funnel"])
    page = parse(render_html(summary, {}))
    assert set(page.ids("svg")) == {"chart-funnel"}
    assert "未对账 / not reconciled" in "".join(page.text)


RECONCILIATION = {
    "sources": [
        {
            "system": "successfactors",
            "stream": "JobApplication",
            "source": 10,
            "staged": 10,
            "dead_letters": 0,
            "lost": 0,
        }
    ],
    "targets": [
        {
            "system": "dingtalk",
            "operation": "work_notification",
            "owed": 4,
            "landed": 2,
            "dead_letters": 1,
            "pending": 1,
            "lost": 0,
            "duplicates": 1,
            "note": "messages per (userid, content)",
        },
        {
            "system": "dingtalk",
            "operation": "robot_notice",
            "owed": 0,
            "landed": 0,
            "dead_letters": 0,
            "pending": 0,
            "lost": 0,
            "duplicates": None,
            "note": "cannot be told",
        },
    ],
    "lost": 0,
    "duplicates": 1,
}


def test_html_is_self_contained_with_charts_and_escapes_hostile_text(
    ledger: Ledger, tmp_path: Path
) -> None:
    fill(ledger)
    path = write_html(flow_summary(ledger), RECONCILIATION, tmp_path / "out" / "flow.html")
    assert path == tmp_path / "out" / "flow.html"
    raw = path.read_text(encoding="utf-8")
    page = parse(raw)
    assert page.ids("svg") == ["chart-funnel", "chart-writes", "chart-dead-letters"]
    assert not [tag for tag, _ in page.starts if tag in ("script", "link", "img", "iframe")]
    assert "<script>" not in raw and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in raw
    assert "http" not in raw.replace('xmlns="http://www.w3.org/2000/svg"', "")
    text = "".join(page.text)
    assert HOSTILE in text, "the reason is shown, as text"
    for label in ("申请漏斗 / Applications funnel", "已录用 / hired", "死信原因 / Dead letters"):
        assert label in text
    assert "已落地 / landed" in text and "排队中 / queued" in text
    assert "无法判断 / cannot tell" in text, "a target that cannot tell says so"
    flagged = [attrs for tag, attrs in page.starts if tag == "tr" and attrs.get("class") == "flag"]
    assert len(flagged) == 1, "the target row with a duplicate is flagged"
    # The stacked bar of DingTalk: 2 landed, 1 dead, 1 queued.
    segments = [a for tag, a in page.starts if tag == "rect" and a.get("class") == "segment"]
    assert [s["fill"] for s in segments[:3]] == ["#2e7d32", "#c62828", "#f9a825"]
