"""The candidates pages: the list per role with its filters and pages, one candidate's history
from the ledger, refusals (audited) and masking for a role without personal data."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from hrhub.ledger import StageInput
from hrhub.models import Application, Candidate
from tests.web.conftest import as_user
from tests.web.world import OWNERS, STAGES, T0, World

APPLICATION_ROW = re.compile(r'<tr data-application="([^"]+)"')
EVENT = re.compile(r'<tr data-kind="([^"]+)" data-record="([^"]+)"')
NEXT_PAGE = re.compile(r'id="next-page" href="([^"]+)"')


def listed(page: str) -> list[str]:
    return [html.unescape(a) for a in APPLICATION_ROW.findall(page)]


def events(page: str) -> list[tuple[str, str]]:
    return [(kind, html.unescape(record)) for kind, record in EVENT.findall(page)]


def detail(client: TestClient, canonical_id: str, **params: str):
    return client.get(f"/candidates/{quote(canonical_id, safe='')}", params=params)


def stage_of(world: World, application: str) -> str:
    return STAGES[list(world.applications).index(application) % len(STAGES)].value


def last_seq(world: World) -> int:
    entries = world.ledger.audit_entries()
    return entries[-1].seq if entries else 0


def refusals_since(world: World, seq: int) -> list:
    return [e for e in world.ledger.audit_entries(seq) if e.action == "web.refused"]


def job_of(world: World, remote: str) -> str:
    return world.jobs[remote]


# ------------------------------------------------------------------------------ the list


@pytest.mark.parametrize(
    ("login", "owner"), [("hr", None), ("boss", None), ("aud", None), ("rec", "recruiter01")]
)
def test_list_shows_the_applications_the_role_may_see(
    client: TestClient, world: World, login: str, owner: str | None
) -> None:
    page = as_user(client, login).get("/candidates", params={"lang": "en"})
    assert page.status_code == 200
    expected = world.applications_of(owner) if owner else set(world.applications)
    assert sorted(listed(page.text)) == sorted(expected)
    assert f'<p id="total">{len(expected)} applications</p>' in page.text


def test_recruiters_see_only_their_own_requisitions(client: TestClient, world: World) -> None:
    rec = listed(as_user(client, "rec").get("/candidates", params={"lang": "en"}).text)
    rec2_page = as_user(client, "rec2").get("/candidates", params={"lang": "en"})
    rec2 = listed(rec2_page.text)
    assert len(rec) == 20 and len(rec2) == 10
    assert set(rec2) == world.applications_of("recruiter02")
    assert not set(rec) & set(rec2)
    assert "10 applications" in rec2_page.text
    assert 'id="scope"' in rec2_page.text


def test_list_shows_stage_requisition_and_names_for_hr(client: TestClient, world: World) -> None:
    page = as_user(client, "hr").get("/candidates", params={"lang": "en"}).text
    for name in world.pii.values():
        assert name in page
    app = next(iter(world.applications))
    row = page[page.index(f'data-application="{app}"') :].split("</tr>")[0]
    assert f'data-stage="{stage_of(world, app)}"' in row
    assert f"高级数据工程师 {next(iter(OWNERS))}" in row  # the job's title, not its id


def test_stage_filter(client: TestClient, world: World) -> None:
    page = as_user(client, "hr").get("/candidates", params={"stage": "screened"})
    expected = {a for a in world.applications if stage_of(world, a) == "screened"}
    assert expected and set(listed(page.text)) == expected

    own = as_user(client, "rec").get("/candidates", params={"stage": "screened"})
    assert set(listed(own.text)) == expected & world.applications_of("recruiter01")


def test_job_and_id_filters(client: TestClient, world: World) -> None:
    hr = as_user(client, "hr")
    job = job_of(world, "1003")
    by_job = listed(hr.get("/candidates", params={"job": job}).text)
    assert set(by_job) == {a for a, j in world.applications.items() if j == job}

    app = "successfactors:application:9003"
    assert listed(hr.get("/candidates", params={"q": "9003"}).text) == [app]
    assert listed(hr.get("/candidates", params={"q": app}).text) == [app]
    candidate = world.candidate_of[app]
    assert listed(hr.get("/candidates", params={"q": candidate}).text) == [app]
    assert listed(hr.get("/candidates", params={"q": candidate.rsplit(":", 1)[1]}).text) == [app]
    assert (
        len(listed(hr.get("/candidates", params={"q": "successfactors:application:900"}).text))
        == 10
    )
    none = hr.get("/candidates", params={"q": "nobody"})
    assert listed(none.text) == [] and 'id="none-found"' in none.text


def test_bad_stage_is_refused_and_audited(client: TestClient, world: World) -> None:
    before = last_seq(world)
    page = as_user(client, "hr").get("/candidates", params={"stage": "nope"})
    assert page.status_code == 400
    assert 'data-reason="bad_form"' in page.text
    (entry,) = refusals_since(world, before)
    assert entry.subject == "GET /candidates"
    assert entry.actor == "hr"
    assert entry.data["status"] == 400 and "field stage" in entry.data["detail"]

    answer = client.get(
        "/candidates", params={"stage": "nope"}, headers={"accept": "application/json"}
    )
    assert answer.json()["detail"].startswith("field stage: 'nope' is not a stage")


def test_job_filter_refusals(client: TestClient, world: World) -> None:
    before = last_seq(world)
    unknown = as_user(client, "hr").get("/candidates", params={"job": "successfactors:job:404"})
    assert unknown.status_code == 400
    others = as_user(client, "rec2").get("/candidates", params={"job": job_of(world, "1001")})
    assert others.status_code == 403
    assert 'data-reason="not_your_requisition"' in others.text
    reasons = [(e.actor, e.data["reason"]) for e in refusals_since(world, before)]
    assert reasons == [("hr", "bad_form"), ("rec2", "not_your_requisition")]


def _seed_applications(world: World, n: int, job_remote: str) -> set[str]:
    staged = [
        StageInput.of(
            Application(
                source_system="successfactors",
                remote_id=f"8{k:04d}",
                modified_at=T0,
                candidate_id=world.candidates[k % len(world.candidates)],
                job_id=world.jobs[job_remote],
            )
        )
        for k in range(n)
    ]
    world.ledger.stage(staged, batch_id="web-more")
    return {s.canonical_id for s in staged}


def _walk(client: TestClient, path: str) -> list[list[str]]:
    """Every page of the list from `path`, following the next-page links."""
    pages = []
    while path:
        page = client.get(path)
        assert page.status_code == 200
        pages.append(listed(page.text))
        found = NEXT_PAGE.search(page.text)
        path = html.unescape(found.group(1)) if found else ""
        assert len(pages) < 10
    return pages


def test_pages_of_fifty_cover_every_application_once(client: TestClient, world: World) -> None:
    more = _seed_applications(world, 60, "1001")
    pages = _walk(as_user(client, "hr"), "/candidates?lang=en")
    assert [len(p) for p in pages] == [50, 40]
    seen = [a for p in pages for a in p]
    assert len(seen) == len(set(seen)) and set(seen) == set(world.applications) | more
    assert seen == sorted(seen)
    first = as_user(client, "hr").get("/candidates?lang=en")
    assert "90 applications" in first.text and 'id="first-page"' not in first.text

    rec_pages = _walk(as_user(client, "rec"), "/candidates?stage=extracted")
    rec_seen = [a for p in rec_pages for a in p]
    expected = more | {
        a for a in world.applications_of("recruiter01") if stage_of(world, a) == "extracted"
    }
    assert [len(p) for p in rec_pages] == [50, len(expected) - 50]
    assert set(rec_seen) == expected


# ---------------------------------------------------------------------------- the detail


def test_detail_history_shows_writes_owed_and_landed(client: TestClient, world: World) -> None:
    app = next(iter(world.applications))  # its status push owed and landed (receipt R0)
    world.ledger.audit("hr", "test.note", app, {"why": "a subject naming the application"})
    page = detail(as_user(client, "hr"), app, lang="en")
    assert page.status_code == 200
    found = events(page.text)
    assert ("staged", app) in found and ("staged", world.candidate_of[app]) in found
    assert found.index(("owed", app)) < found.index(("landed", app))
    assert ("audit", app) in found
    landed = page.text[page.text.index(f'data-kind="landed" data-record="{app}"') :]
    assert "R0" in landed.split("</tr>")[0] and "sha256:world" in landed.split("</tr>")[0]
    owed = page.text[page.text.index(f'data-kind="owed" data-record="{app}"') :]
    assert "done" in owed.split("</tr>")[0]


def test_detail_history_shows_dead_letters_and_reviews(client: TestClient, world: World) -> None:
    apps = list(world.applications)
    hr = as_user(client, "hr")
    rejected = events(detail(hr, apps[4]).text)
    assert ("dead_letter", apps[4]) in rejected

    held = detail(hr, apps[5], lang="en").text
    (result,) = [r for k, r in events(held) if k == "held"]
    assert result == world.review_ids[0]
    row = held[held.index('data-kind="held"') :].split("</tr>")[0]
    assert "pending" in row and "writes held" in row

    person = world.candidates[3]
    letter_page = detail(hr, person).text
    assert ("dead_letter", person) in events(letter_page)
    assert world.pii[person] in letter_page  # hr sees the name, in the payload too
    assert "138-bad" in letter_page


def test_detail_by_candidate_or_application_id(client: TestClient, world: World) -> None:
    app = list(world.applications)[7]
    person = world.candidate_of[app]
    hr = as_user(client, "hr")
    for asked in (app, person):
        page = detail(hr, asked, lang="en")
        assert page.status_code == 200
        assert listed(page.text) == [app]
        assert world.pii[person] in page.text
        assert f"pii{world.candidates.index(person):03d}@example.cn" in page.text


def test_recruiter_may_open_own_but_not_anothers_application(
    client: TestClient, world: World
) -> None:
    own = sorted(world.applications_of("recruiter01"))[0]
    other = sorted(world.applications_of("recruiter02"))[0]
    rec = as_user(client, "rec")
    assert detail(rec, own).status_code == 200
    before = last_seq(world)
    for asked in (other, world.candidate_of[other]):
        page = detail(rec, asked)
        assert page.status_code == 403
        assert 'data-reason="not_your_requisition"' in page.text
        assert world.pii[world.candidate_of[other]] not in page.text
    entries = refusals_since(world, before)
    assert [(e.actor, e.data["reason"]) for e in entries] == [("rec", "not_your_requisition")] * 2
    assert other in entries[0].subject


def test_unknown_id_is_not_found_and_audited(client: TestClient, world: World) -> None:
    before = last_seq(world)
    hr = as_user(client, "hr")
    for asked in ("successfactors:application:nope", job_of(world, "1001")):
        page = detail(hr, asked)
        assert page.status_code == 404
        assert 'data-reason="not_found"' in page.text
    entries = refusals_since(world, before)
    assert [e.data["reason"] for e in entries] == ["not_found", "not_found"]
    assert "successfactors:application:nope" in entries[0].subject


def test_demographics_are_shown_to_nobody(client: TestClient, world: World) -> None:
    person = Candidate(
        source_system="successfactors",
        remote_id="5999",
        modified_at=T0,
        name="候选人DEMO",
        demographics={"gender": "DEMOGRAPHIC-MARKER"},
    )
    app = Application(
        source_system="successfactors",
        remote_id="9999",
        modified_at=T0,
        candidate_id=person.canonical_id,
        job_id=world.jobs["1001"],
    )
    world.ledger.stage([StageInput.of(person), StageInput.of(app)], batch_id="web-demo")
    for login in ("hr", "rec", "aud"):
        page = detail(as_user(client, login), person.canonical_id, lang="en")
        assert page.status_code == 200
        assert "DEMOGRAPHIC-MARKER" not in page.text
        assert "kept for the bias audit only" in page.text


# ------------------------------------------------------------------------------- masking


def _contact_markers(world: World) -> list[str]:
    """Every personal value world.py seeds: names, emails, phones."""
    markers = list(world.pii.values())
    for i in range(len(world.candidates)):
        markers += [f"pii{i:03d}@example.cn", f"+8613800{i:06d}"]
    return markers


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_auditor_never_sees_personal_data(client: TestClient, world: World, lang: str) -> None:
    aud = as_user(client, "aud")
    pages = [aud.get("/candidates", params={"lang": lang}).text]
    pages += [detail(aud, a, lang=lang).text for a in world.applications]
    pages += [detail(aud, c, lang=lang).text for c in world.candidates]
    assert all('id="masked-note"' in p for p in pages)
    for page in pages:
        for marker in _contact_markers(world):
            assert marker not in page

    person = world.candidates[3]
    letter = detail(aud, person, lang=lang).text
    assert ("dead_letter", person) in events(letter)
    row = letter[letter.index('data-kind="dead_letter"') :].split("</tr>")[0]
    assert "cellPhone" in row and "firstName" in row  # the payload's shape, masked values
    assert "138-bad" not in row and "***-bad" in row  # the reason's quote of it too


def test_hr_and_recruiter_see_names(client: TestClient, world: World) -> None:
    own = sorted(world.applications_of("recruiter01"))
    page = as_user(client, "rec").get("/candidates").text
    for app in own:
        assert world.pii[world.candidate_of[app]] in page
    assert 'id="masked-note"' not in page


# ---------------------------------------------------------------------------- languages


@pytest.mark.parametrize(("lang", "title"), [("en", "Candidates"), ("zh", "候选人")])
def test_both_languages_render(client: TestClient, world: World, lang: str, title: str) -> None:
    hr = as_user(client, "hr")
    listing = hr.get("/candidates", params={"lang": lang})
    app = list(world.applications)[5]
    page = detail(hr, app, lang=lang)
    for answer in (listing, page):
        assert answer.status_code == 200
        assert f'<html lang="{"en" if lang == "en" else "zh-CN"}">' in answer.text
    assert f"<h1>{title}</h1>" in listing.text
    history = "History" if lang == "en" else "历史"
    assert f"<h2>{history}</h2>" in page.text


def test_a_page_of_the_list_is_read_in_id_order_from_an_index_not_sorted(client, world) -> None:
    """The list's page query walks an index in canonical-id order: at 100,000 applications a
    sort of all of them cost about 185 ms a page, the index walk about 1 ms."""
    statements: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    engine = client.app.state.web.ledger.engine  # the app's own connection to the ledger
    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert as_user(client, "hr").get("/candidates").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    [(statement, parameters)] = [(s, p) for s, p in statements if "ORDER BY" in s and "LIMIT" in s]
    with world.ledger.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "ix_ledger_staged_entity_id" in plan
    assert "TEMP B-TREE" not in plan
