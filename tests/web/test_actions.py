"""The action pages: dead letters replayed from their page, held results approved, changed or
rejected from theirs. Each action goes through the project's own replay / review.decide, is
attributed to the person in the audit log, and every refusal changes nothing but the log."""

from __future__ import annotations

import re
from html import unescape

import pytest

from hrhub.flow.review import hold_for_review
from hrhub.ledger import Letter, OutboxStatus
from hrhub.models import CompetencyScore, Evidence, InterviewResult
from hrhub.web.auth import Viewer, form_token
from hrhub.web.i18n import Translator
from hrhub.web.masking import Masker, mask_text
from hrhub.web.pages.reviews import candidate_label
from hrhub.web.roles import Role
from tests.web.conftest import SECRET, as_user
from tests.web.world import T0, World, a_write_refused_for_good, outbox_of, snapshot

EN, ZH = Translator("en"), Translator("zh")


# --------------------------------------------------------------------------- helpers


def refusals(ledger) -> list:
    return [e for e in ledger.audit_entries() if e.action == "web.refused"]


def page_form(html: str, action_pattern: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the page's form whose action matches, as a browser
    would submit them."""
    match = re.search(rf'<form[^>]*action="({action_pattern})"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form posting to {action_pattern}"
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', match.group(2))
    )
    return unescape(match.group(1)), {k: unescape(v) for k, v in fields.items()}


def token_of(login: str, role: Role) -> str:
    """The anti-forgery value the app gives `login` (the test token is the login)."""
    return form_token(SECRET, Viewer(login, role, login, login))


def assert_refused_and_unchanged(world, before, response, status: int, reason: str, login: str):
    assert response.status_code == status, response.text
    assert snapshot(world.ledger) == before
    (entry,) = refusals(world.ledger)
    assert (entry.data["status"], entry.data["reason"], entry.actor) == (status, reason, login)


# --------------------------------------------------------------------------- dead letters


def test_hr_admin_sees_open_dead_letters_with_reason_and_a_replay_form(client, world) -> None:
    html = as_user(client, "hr").get("/dead-letters?lang=en").text
    rows = re.findall(r'<tr data-letter="(\d+)">(.*?)</tr>', html, re.S)
    assert [int(i) for i, _ in rows] == world.dead_letter_ids
    first = re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1], re.S)
    assert [unescape(c.strip()) for c in first[1:5]] == [
        "successfactors",
        "candidate",
        world.candidates[3],
        "phones[0].number",
    ]
    assert "is not a phone number" in unescape(first[5])
    assert first[6].strip() == "DataContractError" and first[8].strip() == "0"
    for letter_id in world.dead_letter_ids:
        _, fields = page_form(html, rf"/dead-letters/{letter_id}/replay")
        assert fields["csrf"] == token_of("hr", Role.HR_ADMIN)
    _, shown = page_form(html, "/dead-letters/replay")
    assert shown["ids"] == ",".join(map(str, world.dead_letter_ids))


@pytest.mark.parametrize("login", ["rec", "boss", "aud"])
def test_roles_that_may_not_replay_do_not_see_dead_letters(client, world, login) -> None:
    response = as_user(client, login).get("/dead-letters")
    assert response.status_code == 403
    assert 'data-reason="not_your_role"' in response.text
    assert "138-bad" not in response.text
    assert refusals(world.ledger)[0].actor == login


def test_dead_letters_filter_by_system_and_entity(client, world) -> None:
    as_user(client, "hr")
    by_system = client.get("/dead-letters?system=yonyou").text
    assert re.findall(r'<tr data-letter="(\d+)">', by_system) == [str(world.dead_letter_ids[1])]
    by_entity = client.get("/dead-letters?entity=candidate").text
    assert re.findall(r'<tr data-letter="(\d+)">', by_entity) == [str(world.dead_letter_ids[0])]
    # The replay forms carry the filter, so the redirect comes back to the same list.
    _, fields = page_form(by_system, rf"/dead-letters/{world.dead_letter_ids[1]}/replay")
    assert fields["system"] == "yonyou"


def test_dead_letters_come_fifty_a_page(client, world) -> None:
    world.ledger.dead_letter_many(
        [Letter("yonyou", "nc_person", f"p{i}", f"reason {i}", {}) for i in range(60)]
    )
    as_user(client, "hr")
    first = client.get("/dead-letters?lang=en").text
    ids = re.findall(r'<tr data-letter="(\d+)">', first)
    assert len(ids) == 50
    following = re.search(r'<a id="next" href="([^"]+)"', first).group(1)
    rest = re.findall(r'<tr data-letter="(\d+)">', client.get(unescape(following)).text)
    assert len(rest) == 62 - 50 and not set(rest) & set(ids)


def test_replaying_from_the_page_renews_a_letter_that_still_fails(client, world) -> None:
    letter_id = world.dead_letter_ids[0]
    (before,) = [d for d in world.ledger.dead_letters() if d.id == letter_id]
    html = as_user(client, "hr").get("/dead-letters?lang=en").text
    action, fields = page_form(html, rf"/dead-letters/{letter_id}/replay")
    response = client.post(action, data=fields, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dead-letters?")
    (after,) = [d for d in world.ledger.dead_letters() if d.id == letter_id]
    assert after.replayed_at is None and after.reason != before.reason  # why it fails now
    page = client.get(response.headers["location"] + "&lang=en").text
    flash = re.search(
        rf'<li data-letter="{letter_id}" data-outcome="still_failing"[^>]*>(.*?)</li>', page, re.S
    )
    assert flash and after.reason in unescape(flash.group(1))
    (entry,) = [e for e in world.ledger.audit_entries() if e.action == "dead_letter.replay"]
    assert entry.actor == "hr" and entry.subject == f"dead_letter:{letter_id}"
    assert entry.data["outcome"] == "still_failing"


def test_replaying_a_refused_write_requeues_it_and_closes_the_letter(client, world) -> None:
    letter = a_write_refused_for_good(world)
    html = as_user(client, "hr").get("/dead-letters?lang=zh").text
    action, fields = page_form(html, rf"/dead-letters/{letter.id}/replay")
    response = client.post(action, data=fields)  # follows the redirect, as a browser does
    assert response.status_code == 200
    assert re.search(rf'data-letter="{letter.id}" data-outcome="replayed"', response.text)
    assert ZH("dead_letters.outcome.replayed", id=letter.id) in response.text
    assert not re.search(rf'<tr data-letter="{letter.id}">', response.text)  # closed
    assert world.ledger.outbox_item(letter.outbox_key).status == OutboxStatus.PENDING.value
    (closed,) = [d for d in world.ledger.dead_letters(open_only=False) if d.id == letter.id]
    assert closed.replayed_at is not None and closed.replay_count == 1
    (entry,) = [e for e in world.ledger.audit_entries() if e.action == "dead_letter.replay"]
    assert (entry.actor, entry.data["outcome"]) == ("hr", "replayed")

    # The same button again: refused, nothing changed.
    before = snapshot(world.ledger)
    again = client.post(action, data=fields, headers={"accept": "application/json"})
    assert_refused_and_unchanged(world, before, again, 409, "already_replayed", "hr")
    assert again.json()["reason"] == "already_replayed"


def test_replay_all_shown_replays_every_letter_on_the_page(client, world) -> None:
    html = as_user(client, "hr").get("/dead-letters?lang=en").text
    action, fields = page_form(html, "/dead-letters/replay")
    page = client.post(action, data=fields).text
    outcomes = re.findall(r'<li data-letter="(\d+)" data-outcome="([a-z_]+)"', page)
    assert outcomes == [(str(i), "still_failing") for i in world.dead_letter_ids]
    entries = [e for e in world.ledger.audit_entries() if e.action == "dead_letter.replay"]
    assert [(e.actor, e.subject) for e in entries] == [
        ("hr", f"dead_letter:{i}") for i in world.dead_letter_ids
    ]


@pytest.mark.parametrize(
    ("login", "path", "csrf", "status", "reason"),
    [
        ("hr", "/dead-letters/{id}/replay", None, 403, "form_forged"),
        ("hr", "/dead-letters/{id}/replay", "0" * 64, 403, "form_forged"),
        ("hr", "/dead-letters/{id}/replay", "rec", 403, "form_forged"),  # another's form
        ("aud", "/dead-letters/{id}/replay", "aud", 403, "not_your_role"),
        ("boss", "/dead-letters/{id}/replay", "boss", 403, "not_your_role"),
        ("hr", "/dead-letters/999999/replay", "hr", 404, "not_found"),
        ("hr", "/dead-letters/abc/replay", "hr", 400, "bad_form"),
        ("hr", "/dead-letters/1.5/replay", "hr", 400, "bad_form"),
    ],
)
def test_refused_replays_change_nothing_and_are_audited(
    client, world, login, path, csrf, status, reason
) -> None:
    roles = {"hr": Role.HR_ADMIN, "rec": Role.RECRUITER, "aud": Role.AUDITOR}
    roles["boss"] = Role.RECRUITING_MANAGER
    data = {"system": "", "entity": ""}
    if csrf is not None:
        data["csrf"] = token_of(csrf, roles[csrf]) if csrf in roles else csrf
    before = snapshot(world.ledger)
    url = path.format(id=world.dead_letter_ids[0])
    response = as_user(client, login).post(url, data=data)
    assert_refused_and_unchanged(world, before, response, status, reason, login)
    assert refusals(world.ledger)[0].subject == f"POST {url}"
    assert not [e for e in world.ledger.audit_entries() if e.action == "dead_letter.replay"]


@pytest.mark.parametrize("ids", ["", "1,x", "1;2", ",".join(["1"] * 51)])
def test_replay_all_refuses_a_malformed_id_list(client, world, ids) -> None:
    before = snapshot(world.ledger)
    data = {"csrf": token_of("hr", Role.HR_ADMIN), "ids": ids}
    response = as_user(client, "hr").post(
        "/dead-letters/replay", data=data, headers={"accept": "application/json"}
    )
    assert_refused_and_unchanged(world, before, response, 400, "bad_form", "hr")
    assert response.json()["detail"].startswith("field ids:")


def test_replay_all_with_an_unknown_id_replays_none(client, world) -> None:
    before = snapshot(world.ledger)
    data = {"csrf": token_of("hr", Role.HR_ADMIN), "ids": f"{world.dead_letter_ids[0]},999999"}
    response = as_user(client, "hr").post("/dead-letters/replay", data=data)
    assert_refused_and_unchanged(world, before, response, 404, "not_found", "hr")


# --------------------------------------------------------------------------- reviews


def listed_reviews(html: str) -> list[str]:
    return [unescape(r) for r in re.findall(r'<tr data-result="([^"]+)">', html)]


@pytest.mark.parametrize("login", ["hr", "boss"])
def test_roles_over_every_requisition_see_every_waiting_result(client, world, login) -> None:
    html = as_user(client, login).get("/reviews?lang=en").text
    assert sorted(listed_reviews(html)) == sorted(world.review_ids)
    row = re.search(r'<tr data-result="[^"]+">(.*?)</tr>', html, re.S).group(1)
    cells = [unescape(c.strip()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # Candidate (by name: these roles may see it), proposed decision, score, reasons.
    assert cells[0] in world.pii.values()
    assert cells[1:3] == [EN("reviews.decision.reject"), "48"]
    assert "review policy" in cells[3]
    assert 'id="scope"' not in html


def test_a_recruiter_sees_only_results_on_their_requisitions(client, world) -> None:
    mine = [
        r
        for r in world.review_ids
        if _application_of(world, r) in world.applications_of("recruiter01")
    ]
    theirs = [r for r in world.review_ids if r not in mine]
    assert len(mine) == len(theirs) == 1
    html = as_user(client, "rec").get("/reviews?lang=en").text
    assert listed_reviews(html) == mine and 'id="scope"' in html
    assert listed_reviews(as_user(client, "rec2").get("/reviews").text) == theirs
    # Opening another recruiter's result is refused, and audited.
    response = as_user(client, "rec").get(f"/reviews/{theirs[0]}")
    assert response.status_code == 403
    assert 'data-reason="not_your_requisition"' in response.text
    assert refusals(world.ledger)[0].data["reason"] == "not_your_requisition"
    # Their own opens, without a decision form (recruiters do not decide).
    own = as_user(client, "rec").get(f"/reviews/{mine[0]}?lang=en").text
    assert 'id="explanation"' in own and 'id="decide"' not in own


def _application_of(world: World, result_id: str) -> str:
    return world.ledger.review_hold(result_id).result["application_id"]


def test_auditors_do_not_see_results(client, world) -> None:
    assert as_user(client, "aud").get("/reviews").status_code == 403
    assert as_user(client, "aud").get(f"/reviews/{world.review_ids[0]}").status_code == 403
    assert [e.actor for e in refusals(world.ledger)] == ["aud", "aud"]


def test_a_candidate_is_masked_for_a_role_without_personal_data() -> None:
    name = "候选人PII007 Zhang"
    auditor = Viewer("aud", Role.AUDITOR, "aud", "aud")
    recruiter = Viewer("rec", Role.RECRUITER, "recruiter01", "rec")
    masked, whole = Masker.for_viewer(auditor), Masker.for_viewer(recruiter)
    assert candidate_label(masked, name, "c1") == mask_text(name) != name
    assert "PII007" not in candidate_label(masked, name, "c1")
    assert candidate_label(whole, name, "c1") == name
    assert candidate_label(masked, None, "c1") == "c1"


def test_a_result_shows_its_scores_explanation_and_evidence(client, world) -> None:
    app = next(iter(world.applications_of("recruiter01")))
    result = InterviewResult(
        source_system="hrhub",
        remote_id="iv-evidence",
        modified_at=T0,
        interview_id="successfactors:interview:7777",
        application_id=app,
        candidate_id=world.candidate_of[app],
        competency_scores=[
            CompetencyScore(
                competency="communication",
                score=62.5,
                weight=0.4,
                evidence=[
                    Evidence(quote="我带领团队把交付周期缩短了一半"),
                    Evidence(quote="第二条"),
                ],
            )
        ],
        overall_score=55.0,
        recommendation="NO",
        human_review=True,
        review_reasons=["automated_decision_opt_out: the candidate asked for a person"],
        explanation="Clear answers, few results.",
        rubric_version="sales-2026.1",
        model_version="m1",
    )
    hold_for_review(world.ledger, result, payloads=[])
    html = as_user(client, "boss").get(f"/reviews/{result.canonical_id}?lang=en").text
    assert re.search(r'id="score">55<', html)
    assert "Clear answers, few results." in html
    row = re.search(r"<td>communication</td>(.*?)</tr>", html, re.S).group(1)
    assert "62.5" in row and "0.4" in row and EN("reviews.quotes", n=2) in row
    assert "我带领团队把交付周期缩短了一半" in row
    assert "automated_decision_opt_out" in html


def decide_from_page(client, result_id: str, **choice: str):
    """Open the result, fill its form as a person would, submit it (no redirect followed)."""
    html = client.get(f"/reviews/{result_id}?lang=en").text
    action, fields = page_form(html, r"/reviews/[^\"]+")
    values = {"new_decision": "", "new_score": "", **fields, **choice}
    return client.post(action, data=values, follow_redirects=False)


def test_approving_from_the_page_queues_the_held_writes(client, world) -> None:
    result_id = world.review_ids[0]
    held = world.ledger.review_hold(result_id).writes
    assert outbox_of(world.ledger, result_id) == []
    as_user(client, "boss")
    response = decide_from_page(client, result_id, decision="approve", reason="checked the answers")
    assert response.status_code == 303
    hold = world.ledger.review_hold(result_id)
    assert (hold.status, hold.decided_by, hold.decision_reason) == (
        "approved",
        "boss",
        "checked the answers",
    )
    queued = outbox_of(world.ledger, result_id)
    assert sorted((o.target_system, o.entity, o.payload) for o in queued) == sorted(
        (w["target_system"], w["operation"], w["payload"]) for w in held
    )
    (entry,) = [e for e in world.ledger.audit_entries() if e.action == "review.approved"]
    assert entry.actor == "boss" and entry.data["reason"] == "checked the answers"
    page = client.get(response.headers["location"] + "&lang=en").text
    assert listed_reviews(page) == [world.review_ids[1]]
    assert EN("reviews.outcome.approved", id=result_id, by="boss") in unescape(page)


def test_changing_from_the_page_queues_the_rewritten_writes(client, world) -> None:
    result_id = world.review_ids[1]
    held = {w["target_system"]: w["payload"] for w in world.ledger.review_hold(result_id).writes}
    as_user(client, "hr")
    response = decide_from_page(
        client,
        result_id,
        decision="change",
        new_decision="pass",
        new_score="76.5",
        reason="the second answer shows the result",
    )
    assert response.status_code == 303
    hold = world.ledger.review_hold(result_id)
    assert (hold.status, hold.decided_by) == ("changed", "hr")
    assert hold.final_result["decision"] == "pass"
    assert hold.final_result["overall_score"] == 76.5
    queued = {o.target_system: o.payload for o in outbox_of(world.ledger, result_id)}
    assert set(queued) == set(held) and queued != held  # the writes carry the new decision
    (entry,) = [e for e in world.ledger.audit_entries() if e.action == "review.changed"]
    assert entry.actor == "hr" and entry.data["after"]["decision"] == "pass"


def test_rejecting_from_the_page_writes_nothing_back(client, world) -> None:
    result_id = world.review_ids[0]
    as_user(client, "boss")
    response = decide_from_page(client, result_id, decision="reject", reason="audio was garbled")
    assert response.status_code == 303
    hold = world.ledger.review_hold(result_id)
    assert (hold.status, hold.decided_by) == ("rejected", "boss")
    assert outbox_of(world.ledger, result_id) == []
    (entry,) = [e for e in world.ledger.audit_entries() if e.action == "review.rejected"]
    assert entry.actor == "boss"
    page = client.get(response.headers["location"] + "&lang=zh").text
    assert ZH("reviews.outcome.rejected", id=result_id, by="boss") in unescape(page)


def test_deciding_twice_is_refused_and_changes_nothing(client, world) -> None:
    result_id = world.review_ids[0]
    as_user(client, "boss")
    html = client.get(f"/reviews/{result_id}").text
    action, fields = page_form(html, r"/reviews/[^\"]+")
    first = client.post(action, data={**fields, "decision": "approve", "reason": "ok"})
    assert first.status_code == 200
    before = snapshot(world.ledger)
    again = client.post(action, data={**fields, "decision": "reject", "reason": "second thoughts"})
    assert_refused_and_unchanged(world, before, again, 409, "already_decided", "boss")
    assert 'data-reason="already_decided"' in again.text
    # The decided result shows its decision and no form.
    shown = client.get(f"/reviews/{result_id}?lang=en").text
    assert 'data-status="approved"' in shown and 'id="decide"' not in shown


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"decision": "", "reason": "x"}, "decision"),
        ({"decision": "maybe", "reason": "x"}, "decision"),
        ({"decision": "approve", "reason": "  "}, "reason"),
        ({"decision": "approve", "reason": "x", "new_decision": "pass"}, "new_decision"),
        ({"decision": "reject", "reason": "x", "new_score": "80"}, "new_score"),
        ({"decision": "change", "reason": "x"}, "new_decision"),
        ({"decision": "change", "reason": "x", "new_decision": "YES"}, "new_decision"),
        (
            {"decision": "change", "reason": "x", "new_decision": "pass", "new_score": "abc"},
            "new_score",
        ),
        (
            {"decision": "change", "reason": "x", "new_decision": "pass", "new_score": "101"},
            "new_score",
        ),
        (
            {"decision": "change", "reason": "x", "new_decision": "pass", "new_score": "nan"},
            "new_score",
        ),
    ],
)
def test_a_malformed_decision_is_refused_naming_the_field(client, world, form, field) -> None:
    before = snapshot(world.ledger)
    data = {"csrf": token_of("boss", Role.RECRUITING_MANAGER), **form}
    response = as_user(client, "boss").post(
        f"/reviews/{world.review_ids[0]}", data=data, headers={"accept": "application/json"}
    )
    assert_refused_and_unchanged(world, before, response, 400, "bad_form", "boss")
    assert response.json()["detail"].startswith(f"field {field}:")


@pytest.mark.parametrize(
    ("login", "result", "csrf", "status", "reason"),
    [
        ("rec", "mine", "rec", 403, "not_your_role"),  # recruiters do not decide
        ("aud", "mine", "aud", 403, "not_your_role"),
        ("boss", "mine", None, 403, "form_forged"),
        ("boss", "mine", "f" * 64, 403, "form_forged"),
        ("boss", "hrhub:interview_result:nobody", "boss", 404, "not_found"),
    ],
)
def test_refused_decisions_change_nothing_and_are_audited(
    client, world, login, result, csrf, status, reason
) -> None:
    roles = {"rec": Role.RECRUITER, "aud": Role.AUDITOR, "boss": Role.RECRUITING_MANAGER}
    data = {"decision": "approve", "reason": "looks right"}
    if csrf is not None:
        data["csrf"] = token_of(csrf, roles[csrf]) if csrf in roles else csrf
    result_id = world.review_ids[0] if result == "mine" else result
    before = snapshot(world.ledger)
    response = as_user(client, login).post(f"/reviews/{result_id}", data=data)
    assert_refused_and_unchanged(world, before, response, status, reason, login)


def test_an_unknown_result_is_not_found(client, world) -> None:
    response = as_user(client, "hr").get("/reviews/hrhub:interview_result:nobody")
    assert response.status_code == 404
    assert refusals(world.ledger)[0].data["reason"] == "not_found"


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_action_pages_render_in_both_languages(client, world, lang) -> None:
    t = Translator(lang)
    as_user(client, "hr")
    letters = client.get(f"/dead-letters?lang={lang}").text
    assert t("dead_letters.title") in letters and t("dead_letters.replay") in letters
    reviews = client.get(f"/reviews?lang={lang}").text
    assert t("reviews.title") in reviews and t("reviews.waiting", n=2) in reviews
    result = client.get(f"/reviews/{world.review_ids[0]}?lang={lang}").text
    assert t("reviews.choice.change") in result and t("reviews.submit") in result
    refused = as_user(client, "aud").get(f"/dead-letters?lang={lang}").text
    assert t("reason.not_your_role") in refused
