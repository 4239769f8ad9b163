"""Reports (batch report, bias audit) and the audit log: what they show, to whom, and what
they never show (a person's data on the report pages; a personal value in audit data)."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from hrhub.flow.flow_report import flow_summary
from hrhub.flow.replay import replay
from hrhub.flow.review import decide
from hrhub.ledger import StageInput
from hrhub.models import Candidate, InterviewResult
from hrhub.scoring.fairness import AuditRow, audit
from hrhub.web.i18n import Translator
from hrhub.web.pages.audit import PAGE_SIZE
from tests.web.conftest import as_user
from tests.web.world import T0, World

EN, ZH = Translator("en"), Translator("zh")


def refusals(world: World) -> list:
    return [e for e in world.ledger.audit_entries() if e.action == "web.refused"]


def no_personal_data(page: str, world: World) -> None:
    for marker in world.pii.values():
        assert marker not in page
    for candidate in world.candidates:
        assert candidate not in page


# --------------------------------------------------------------------------- batch report


def test_the_batch_report_shows_flow_summarys_counts(client, world) -> None:
    summary = flow_summary(world.ledger)
    page = as_user(client, "hr").get("/reports?lang=en")
    assert page.status_code == 200
    html = page.text
    totals = dict(re.findall(r"<dt>[^<]*/ ([^<]+)</dt><dd>([\d,]+)</dd>", html))
    assert totals["applications"] == str(summary["totals"]["applications"]) == "30"
    assert totals["staged records"] == str(summary["totals"]["staged"])
    assert totals["writes owed"] == str(summary["totals"]["writes"]) == "10"
    assert totals["landed"] == str(summary["totals"]["landed"]) == "6"
    assert totals["open dead letters"] == str(summary["totals"]["dead_letters_open"]) == "2"
    assert totals["reviews pending"] == str(summary["totals"]["reviews_pending"]) == "2"
    # Every stage's bar in the funnel chart carries the count flow_summary gives it.
    bars = dict(re.findall(r"<title>[^<]*/ ([a-z ]+): ([\d,]+)</title>", html))
    for step in summary["funnel"]:
        assert bars[step["stage"].replace("_", " ")] == str(step["count"]), step
    for chart in ("chart-funnel", "chart-writes", "chart-dead-letters"):
        assert re.search(rf'<svg[^>]*id="{chart}"', html), chart


def test_the_batch_report_holds_no_personal_data_for_any_role(client, world) -> None:
    summary = flow_summary(world.ledger)
    for login in ("hr", "boss", "aud"):
        html = as_user(client, login).get("/reports?lang=zh").text
        no_personal_data(html, world)
        # The dead letters' example reasons quote record values ('138-bad' is a phone):
        # the page keeps their counts only.
        for group in summary["dead_letters"]:
            assert htmllib.escape(group["example"], quote=False) not in html
            assert group["example"] not in html
        assert "138-bad" not in html
        assert ZH("reports.batch") in html


def test_a_recruiter_is_refused_the_reports(client, world) -> None:
    response = as_user(client, "rec").get("/reports?lang=en")
    assert response.status_code == 403
    assert 'data-reason="not_your_role"' in response.text
    (entry,) = refusals(world)
    assert (entry.actor, entry.subject) == ("rec", "GET /reports")


def test_only_the_auditor_is_offered_the_bias_audit(client) -> None:
    assert 'id="bias-link"' in as_user(client, "aud").get("/reports").text
    assert 'id="bias-link"' not in as_user(client, "hr").get("/reports").text


# --------------------------------------------------------------------------- bias audit

SEXES = ("female", "male")
ETHNICITIES = ("汉族", "回族", "壮族")


def seed_results(world: World) -> list[AuditRow]:
    """Self-reported demographics on every world candidate (one left unstated) and one
    scored result per application (one not scorable), staged as the flow stages them; returns
    the audit rows the seed means, built here from the same choices."""
    ledger = world.ledger
    restaged, results, expected = [], [], []
    for i, (application, candidate_id) in enumerate(world.candidate_of.items()):
        sex, ethnicity = SEXES[i % 2], ETHNICITIES[i % 3]
        stated = {} if i == 7 else {"sex": sex, "ethnicity": ethnicity}
        (row,) = ledger.get_records([candidate_id])
        restaged.append(
            StageInput.of(Candidate.model_validate({**row.payload, "demographics": stated}))
        )
        # Men pass 4 in 5, women 2 in 5: women's selection impact ratio is flagged.
        passed = i % 5 != 0 if sex == "male" else i % 5 < 2
        score = None if i == 11 else (70.0 if passed else 40.0) + i % 10
        results.append(_result(application, candidate_id, i, passed, score))
        if score is not None:
            known = stated or {"sex": None, "ethnicity": None}
            expected.append(AuditRow(str(i), known["sex"], known["ethnicity"], passed, score))
    ledger.stage(restaged, batch_id="bias-demographics")
    ledger.stage([StageInput.of(r) for r in results], batch_id="bias-results")
    return expected


def _result(
    application: str, candidate: str, n: int, passed: bool, score: float | None
) -> InterviewResult:
    unscored = score is None
    return InterviewResult(
        source_system="hrhub",
        remote_id=f"bias-{n}",
        modified_at=T0,
        interview_id=f"successfactors:interview:{8000 + n}",
        application_id=application,
        candidate_id=candidate,
        overall_score=score,
        recommendation="NO_DECISION" if unscored else ("YES" if passed else "NO"),
        human_review=unscored,
        review_reasons=["unscorable: the transcript is empty"] if unscored else [],
        explanation="Scored by the family's rubric.",
        rubric_version="sales-2026.1",
        model_version="m1",
        scored_at=T0 + timedelta(days=n % 3),
    )


def impact_cells(html: str, key: str) -> dict[str, tuple[str, str]]:
    table = re.search(rf'<table id="table-{key}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(
        r'<tr data-category="([^"]+)".*?data-col="count">(\d+)<.*?'
        r'data-col="selection-impact">([^<]+)<',
        table,
        re.S,
    )
    return {htmllib.unescape(label): (count, ratio) for label, count, ratio in rows}


def test_the_bias_audit_shows_the_existing_audits_impact_ratios(client, world) -> None:
    expected = audit(seed_results(world))
    assert expected.flags, "the seed is meant to flag a group"
    html = as_user(client, "aud").get("/reports/bias?lang=en").text
    assert re.search(rf'id="assessed"><div class="n">{expected.n_assessed}<', html)
    assert expected.n_assessed == 29  # one result could not be scored
    assert 'id="unscored"' in html
    for table in expected.tables:
        cells = impact_cells(html, table.key)
        assert set(cells) == {c.label for c in table.categories}, table.key
        for c in table.categories:
            ratio = EN("bias.excluded") if c.excluded else f"{c.selection_impact_ratio:.2f}"
            assert cells[c.label] == (str(c.count), ratio), (table.key, c.label)
        assert f"{table.unknown} results with an unknown" in html
    shown = re.findall(r'<li class="bad" data-table="(\w+)" data-category="([^"]+)"', html)
    assert shown == [(f.table, htmllib.escape(f.category)) for f in expected.flags]
    assert ("sex", "female") in shown
    groups = {(f.table, f.category) for f in expected.flags}
    assert re.search(rf'id="flag-count"><div class="n bad">{len(groups)}<', html)
    # The four-fifths reference line is drawn on every impact-ratio chart.
    for table in expected.tables:
        chart = re.search(
            rf'<svg[^>]*id="chart-{table.key}-selection-impact".*?</svg>', html, re.S
        ).group(0)
        assert 'class="reference"' in chart and "0.8 (four-fifths rule)" in chart
    assert 'id="too-few"' not in html and 'id="as-of"' in html
    no_personal_data(html, world)


def test_the_bias_audit_says_when_there_is_nothing_to_audit(client, world) -> None:
    html = as_user(client, "aud").get("/reports/bias?lang=zh").text
    assert 'id="too-few"' in html and ZH("bias.no_results") in html
    assert "<table" not in html


def test_the_bias_audit_says_when_results_are_too_few_to_compare(client, world) -> None:
    (application, candidate) = next(iter(world.candidate_of.items()))
    world.ledger.stage(
        [StageInput.of(_result(application, candidate, 0, True, 80.0))], batch_id="one"
    )
    html = as_user(client, "aud").get("/reports/bias?lang=en").text
    assert 'id="too-few"' in html
    assert EN("bias.too_few", share="2%").split(":")[0] in html
    assert re.search(r'id="assessed"><div class="n">1<', html)


@pytest.mark.parametrize("login", ["hr", "boss", "rec"])
def test_only_the_auditor_sees_the_bias_audit(client, world, login) -> None:
    seed_results(world)
    response = as_user(client, login).get("/reports/bias?lang=en")
    assert response.status_code == 403
    assert 'data-reason="not_your_role"' in response.text
    assert "<table" not in response.text
    (entry,) = refusals(world)
    assert (entry.actor, entry.subject) == (login, "GET /reports/bias")
    assert entry.data["reason"] == "not_your_role"


# --------------------------------------------------------------------------- audit log


def seed_audit(client, world: World) -> None:
    """Entries the hub writes: a refusal, a replay (its old reason quotes a phone), a review
    decision, an entry naming a person, then filler so the log spans pages."""
    as_user(client, "rec").get("/reports")
    replay(world.ledger, by="hr", ids=[world.dead_letter_ids[0]])
    decide(world.ledger, world.review_ids[0], decision="approve", by="boss", reason="checked")
    candidate = world.candidates[5]
    world.ledger.audit(
        "hrhub.flow",
        "candidate.erased",
        f"candidate:{candidate}",
        {
            "candidate_id": candidate,
            "name": world.pii[candidate],
            "emails": ["pii005@example.cn"],
            "note": f"{world.pii[candidate]} asked to be forgotten",
        },
    )
    for i in range(60):
        world.ledger.audit("hrhub.test", "test.filler", f"filler:{i}", {"i": i})


def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', html)]


def test_the_audit_log_lists_newest_first_and_pages_by_seq(client, world) -> None:
    seed_audit(client, world)
    total = len(world.ledger.audit_entries())
    aud = as_user(client, "aud")
    first = aud.get("/audit?lang=en").text
    page1 = seqs(first)
    assert len(page1) == PAGE_SIZE
    assert page1 == sorted(page1, reverse=True) and page1[0] == total
    link = htmllib.unescape(re.search(r'id="next-page" href="([^"]+)"', first).group(1))
    assert link == f"/audit?before={page1[-1]}"
    second = aud.get(link + "&lang=en").text
    page2 = seqs(second)
    assert page2 == list(range(page1[-1] - 1, 0, -1))
    assert 'id="next-page"' not in second and 'id="newest"' in second
    assert re.search(r'id="chain" data-ok="true"', first)
    assert EN("audit.chain_ok", n=f"{total:,}") in first
    assert 'id="checked-at"' in first  # the chain check is at most a minute old, and says so


def test_the_audit_log_filters_by_action_and_actor(client, world) -> None:
    seed_audit(client, world)
    aud = as_user(client, "aud")
    html = aud.get("/audit?action=review.approved&lang=en").text
    assert re.findall(r'data-action="([^"]+)"', html) == ["review.approved"]
    assert '<option value="review.approved" selected>' in html
    assert "review:" + world.review_ids[0] in html
    replays = aud.get("/audit?action=dead_letter.replay&actor=hr").text
    assert re.findall(r'data-action="([^"]+)"', replays) == ["dead_letter.replay"]
    refused = aud.get("/audit?action=web.refused").text
    assert re.findall(r'data-action="([^"]+)"', refused) == ["web.refused"]
    assert "GET /reports" in refused
    assert 'id="no-entries"' in aud.get("/audit?actor=nobody").text
    # A filter that spans pages keeps itself in the next page's link.
    filler = aud.get("/audit?action=test.filler").text
    assert len(seqs(filler)) == PAGE_SIZE
    assert "action=test.filler&amp;before=" in filler


def test_the_auditor_sees_ids_and_reasons_but_no_personal_value(client, world) -> None:
    seed_audit(client, world)
    html = as_user(client, "aud").get("/audit?lang=en").text
    html += as_user(client, "aud").get("/audit?action=dead_letter.replay").text
    html += as_user(client, "aud").get("/audit?action=candidate.erased").text
    candidate = world.candidates[5]
    assert "candidate.erased" in html and candidate in html  # ids are what the audit follows
    for marker in world.pii.values():
        assert marker not in html
    assert "pii005@example.cn" not in html
    assert "asked to be forgotten" in html  # the text stays, the name in it is masked
    # The replay's old reason quoted the refused phone value; the reason shows, the value not.
    assert "is not a phone number" in html and "138-bad" not in html


def test_a_tampered_entry_breaks_the_chain_and_the_page_names_it(client, world) -> None:
    seed_audit(client, world)
    with world.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_audit SET actor = 'mallory' WHERE seq = 3"))
    aud = as_user(client, "aud")
    html = aud.get("/audit?lang=en").text
    assert re.search(r'id="chain" data-ok="false" data-seq="3"', html)
    assert "entry seq 3 does not match its hash" in html
    link = htmllib.unescape(re.search(r'id="broken-link" href="([^"]+)"', html).group(1))
    shown = aud.get(link + "&lang=zh").text
    assert re.search(r'<tr data-seq="3" data-action="[^"]+" class="broken">', shown)
    assert "mallory" in shown
    assert ZH("audit.chain_broken", seq=3, reason="").rstrip() in shown


def test_the_audit_log_is_the_auditors_only(client, world) -> None:
    for login in ("hr", "boss", "rec"):
        response = as_user(client, login).get("/audit")
        assert response.status_code == 403
    assert [(e.actor, e.subject) for e in refusals(world)] == [
        ("hr", "GET /audit"),
        ("boss", "GET /audit"),
        ("rec", "GET /audit"),
    ]


@pytest.mark.parametrize("query", ["before=abc", "before=0", "before=-4", "action=" + "x" * 200])
def test_a_malformed_page_request_is_refused_and_audited(client, world, query) -> None:
    response = as_user(client, "aud").get(f"/audit?{query}")
    assert response.status_code == 400
    assert 'data-reason="bad_form"' in response.text
    (entry,) = refusals(world)
    assert (entry.actor, entry.subject, entry.data["reason"]) == ("aud", "GET /audit", "bad_form")


@pytest.mark.parametrize("path", ["/reports", "/reports/bias", "/audit"])
def test_every_report_page_renders_in_both_languages(client, world, path) -> None:
    seed_results(world)
    aud = as_user(client, "aud")
    for language, t in (("en", EN), ("zh", ZH)):
        response = aud.get(f"{path}?lang={language}")
        assert response.status_code == 200
        title = {"/reports": "reports.batch", "/reports/bias": "bias.title"}.get(
            path, "audit.title"
        )
        assert f"<h1>{t(title)}</h1>" in response.text
    assert EN("bias.title") != ZH("bias.title")
