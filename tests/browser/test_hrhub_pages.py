"""hrhub's pages in a real browser, inside Airflow's API server with hrhub's plugin and
Airflow's own SimpleAuthManager: each role logs in through Airflow's login form and sees its
pages (and Airflow's menu entry opens them in an iframe), acts through the pages' own forms,
and is refused what it must not see or do - a clear page, nothing changed in the ledger, the
attempt in the audit log. Every page seen is saved as out/browser/hrhub-<role>-<page>.png.

One API server for the module; one browser context per role, logged in once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import quote, unquote, urlparse

import jwt
import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from hrhub.ledger import DeadLetter, Ledger
from hrhub.mapping.approvals import APPROVE, ApprovalLog, mapping_key
from hrhub.mapping.engine import Mapping
from hrhub.mapping.report import mapping_files
from hrhub.models import Candidate, Stage, personal_fields
from hrhub.web.app import REPO_ROOT
from hrhub.web.i18n import Translator
from hrhub.web.masking import KEEP, text_values
from tests.browser.helpers import (
    LOGIN_PATH,
    PNG_SIGNATURE,
    TOKEN_COOKIE,
    AirflowUI,
    login,
    screenshot,
    token_cookie,
)
from tests.web.world import World, a_write_refused_for_good, build_world, outbox_of, snapshot

pytestmark = [pytest.mark.browser, pytest.mark.airflow]

EN = Translator("en")
ZH = Translator("zh")
VIEWPORT = {"width": 1280, "height": 900}
# The Airflow logins of airflow.cfg's `[hrhub_web] roles`; a recruiter owns recruiter01's
# requisitions, every other role sees all of them.
OWNER = {"recruiter": "recruiter01"}
MAPPINGS = REPO_ROOT / "mappings"
SHOWN_MAPPING = "mappings/successfactors/candidate.in.yaml"
APPROVED_MAPPING = "mappings/successfactors/job.in.yaml"
ANONYMOUS = "anonymous"
# `signed_in(user)`: the page of that user's logged-in browser context.
SignedIn = Callable[[str], Page]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def world(airflow_ui: AirflowUI) -> Iterator[World]:
    """The web tests' world, in the ledger the server's pages read (they open it lazily)."""
    ledger = Ledger.open(airflow_ui.ledger_url)
    try:
        yield build_world(ledger)
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, airflow_ui: AirflowUI, world: World) -> Iterator[SignedIn]:
    """`signed_in(user)`: a page of the user's own browser context, logged in through
    Airflow's form on first use and reused by every later test of the module."""
    pages: dict[str, Page] = {}

    def page_of(user: str) -> Page:
        if user not in pages:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            login(page, airflow_ui.base_url, user, airflow_ui.passwords[user])
            pages[user] = page
        return pages[user]

    yield page_of
    for page in pages.values():
        page.context.close()


@pytest.fixture
def fresh_page(browser: Browser) -> Iterator[Page]:
    """A page in a browser context of its own, without any session."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


# --------------------------------------------------------------------------- helpers


def open_page(page: Page, airflow_ui: AirflowUI, path: str, status: int = 200) -> Response:
    """Go to `path` (in English) and check the HTTP status the page came with."""
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{airflow_ui.base_url}{path}{separator}lang=en")
    assert response is not None
    assert response.status == status, f"{path}: {response.status} {page.inner_text('body')[:500]}"
    return response


def submit(page: Page, button: Locator) -> Response:
    """Click a form's button as a person does; the response the browser landed on."""
    with page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    assert response is not None
    return response


def shot(page: Page, user: str, name: str) -> None:
    path = screenshot(page, f"hrhub-{user}-{name}")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def attributes(locator: Locator, name: str) -> list[str]:
    return [
        value or ""
        for value in locator.evaluate_all(f"els => els.map(e => e.getAttribute('{name}'))")
    ]


def visible_applications(world: World, user: str) -> set[str]:
    owner = OWNER.get(user)
    return world.applications_of(owner) if owner else set(world.applications)


def own_application(world: World) -> str:
    """An application on recruiter01's requisitions: every role that sees candidates may open it."""
    return sorted(world.applications_of("recruiter01"))[0]


def own_review(world: World) -> str:
    return next(
        r
        for r in world.review_ids
        if _application_of(world, r) in world.applications_of("recruiter01")
    )


def others_review(world: World) -> str:
    return next(r for r in world.review_ids if r != own_review(world))


def _application_of(world: World, result_id: str) -> str:
    hold = world.ledger.review_hold(result_id)
    assert hold is not None
    return hold.result["application_id"]


def pending_reviews_of(world: World, user: str) -> set[str]:
    """Results held for review now, on the requisitions the user sees."""
    apps = visible_applications(world, user)
    return {h.result_id for h in world.ledger.review_holds() if h.result["application_id"] in apps}


def last_seq(world: World) -> int:
    entries = world.ledger.audit_entries()
    return entries[-1].seq if entries else 0


def candidate_url(canonical_id: str) -> str:
    return f"/hrhub/candidates/{quote(canonical_id, safe='')}"


def personal_values(world: World, candidate_id: str) -> set[str]:
    """The candidate's personal values as staged, each long enough to be told from its mask."""
    (record,) = world.ledger.get_records([candidate_id])
    values = set().union(*(text_values(record.payload.get(f)) for f in personal_fields(Candidate)))
    return {v for v in values if len(v) > KEEP}


def assert_refused(
    page: Page,
    response: Response,
    world: World,
    before: dict,
    seq: int,
    *,
    status: int,
    reason: str,
    actor: str,
    subject: str,
) -> None:
    """The refusal page says why; the ledger is as it was, but for one web.refused entry."""
    assert response.status == status, page.inner_text("body")[:500]
    expect(page.locator("h1")).to_have_text(f"{EN('refused.title')} ({status})")
    refusal = page.locator("#refusal")
    expect(refusal).to_have_attribute("data-reason", reason)
    expect(refusal).to_have_text(EN(f"reason.{reason}"))
    assert snapshot(world.ledger) == before
    entries = world.ledger.audit_entries(seq)
    assert [
        (e.action, e.actor, e.subject, e.data["status"], e.data["reason"]) for e in entries
    ] == [("web.refused", actor, subject, status, reason)]


# --------------------------------------------------------------------------- the pages, per role


@pytest.mark.parametrize("user", ["hr_admin", "recruiter", "manager", "auditor"])
def test_status(signed_in: SignedIn, airflow_ui: AirflowUI, world: World, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/status")
    expect(page.locator("h1")).to_have_text(EN("status.title"))
    expect(page.locator("#stages tr[data-stage]")).to_have_count(len(Stage))
    counts = [int(n.replace(",", "")) for n in page.locator("#stages td.num").all_inner_texts()]
    assert sum(counts) == len(visible_applications(world, user))
    if user in OWNER:
        expect(page.locator("#scope")).to_have_text(EN("status.scope_own", owner=OWNER[user]))
        expect(page.locator("#systems")).to_have_count(0)
    else:
        expect(page.locator('#systems tr[data-system="successfactors"]')).to_be_visible()
    shot(page, user, "status")


@pytest.mark.parametrize("path", ["/hrhub/status", "/hrhub/candidates", "/hrhub/mappings"])
def test_pages_speak_chinese(signed_in: SignedIn, airflow_ui: AirflowUI, path: str) -> None:
    page = signed_in("hr_admin")
    response = page.goto(f"{airflow_ui.base_url}{path}?lang=zh")
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#language")).to_have_text(ZH("nav.language"))
    expect(page.locator("header")).to_contain_text(ZH("nav.status"))
    shot(page, "hr_admin", f"{path.rsplit('/', 1)[-1]}-zh")


@pytest.mark.parametrize("user", ["hr_admin", "recruiter", "manager", "auditor"])
def test_candidates(signed_in: SignedIn, airflow_ui: AirflowUI, world: World, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/candidates")
    expected = visible_applications(world, user)
    expect(page.locator("h1")).to_have_text(EN("candidates.title"))
    expect(page.locator("#total")).to_have_text(EN("candidates.total", n=len(expected)))
    rows = page.locator("#applications tr[data-application]")
    expect(rows).to_have_count(len(expected))
    assert set(attributes(rows, "data-application")) == expected
    shot(page, user, "candidates")


@pytest.mark.parametrize("user", ["hr_admin", "recruiter", "manager", "auditor"])
def test_candidate_detail(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World, user: str
) -> None:
    page = signed_in(user)
    app = own_application(world)
    candidate = world.candidate_of[app]
    # Opened from the list, as a person does: the link is right under /hrhub.
    open_page(page, airflow_ui, "/hrhub/candidates")
    with page.expect_navigation():
        page.get_by_role("link", name=app, exact=True).click()
    assert urlparse(page.url).path == candidate_url(app)
    expect(page.locator("h1")).to_contain_text(EN("candidates.detail_title", id=candidate))
    expect(page.locator(f'#applications tr[data-application="{app}"]')).to_be_visible()
    name = page.locator("#name")
    if user == "auditor":
        expect(name).to_have_class("masked")
        expect(name).not_to_have_text(world.pii[candidate])
        expect(page.locator("#masked-note")).to_be_visible()
    else:
        expect(name).to_have_text(world.pii[candidate])
    shot(page, user, "candidate")


def test_dead_letters(signed_in: SignedIn, airflow_ui: AirflowUI, world: World) -> None:
    page = signed_in("hr_admin")
    open_page(page, airflow_ui, "/hrhub/dead-letters")
    expect(page.locator("h1")).to_have_text(EN("dead_letters.title"))
    rows = page.locator("#letters tr[data-letter]")
    expect(rows).to_have_count(len(world.ledger.dead_letters()))
    assert [int(i) for i in attributes(rows, "data-letter")] == sorted(
        d.id for d in world.ledger.dead_letters()
    )
    yonyou = page.locator(f'#letters tr[data-letter="{world.dead_letter_ids[1]}"]')
    expect(yonyou).to_contain_text("职位编码不存在")
    expect(yonyou.locator("form.replay button")).to_have_text(EN("dead_letters.replay"))
    shot(page, "hr_admin", "dead-letters")


@pytest.mark.parametrize("user", ["hr_admin", "recruiter", "manager"])
def test_reviews(signed_in: SignedIn, airflow_ui: AirflowUI, world: World, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/reviews")
    pending = pending_reviews_of(world, user)
    expect(page.locator("h1")).to_have_text(EN("reviews.title"))
    expect(page.locator("#total")).to_have_text(EN("reviews.waiting", n=len(pending)))
    rows = page.locator("#reviews tr[data-result]")
    expect(rows).to_have_count(len(pending))
    assert set(attributes(rows, "data-result")) == pending
    shot(page, user, "reviews")


@pytest.mark.parametrize("user", ["hr_admin", "recruiter", "manager"])
def test_review(signed_in: SignedIn, airflow_ui: AirflowUI, world: World, user: str) -> None:
    page = signed_in(user)
    result_id = own_review(world)
    open_page(page, airflow_ui, f"/hrhub/reviews/{quote(result_id, safe='')}")
    hold = world.ledger.review_hold(result_id)
    assert hold is not None
    table = page.locator("#result")
    expect(page.locator("h1")).to_have_text(EN("reviews.result_title"))
    expect(table).to_have_attribute("data-result", result_id)
    expect(table).to_have_attribute("data-status", hold.status)
    expect(table.locator("td.candidate")).to_have_text(world.pii[hold.candidate_id])
    expect(page.locator("#explanation")).to_have_text(hold.result["explanation"])
    decides = user != "recruiter" and hold.status == "pending"
    expect(page.locator("#decide")).to_have_count(1 if decides else 0)
    shot(page, user, "review")


@pytest.mark.parametrize("user", ["hr_admin", "auditor"])
def test_mappings(signed_in: SignedIn, airflow_ui: AirflowUI, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/mappings")
    expect(page.locator("h1")).to_have_text(EN("mappings.title"))
    rows = page.locator("table.mappings tr[data-key]")
    on_disk = {mapping_key(path) for path in mapping_files(MAPPINGS)}
    expect(rows).to_have_count(len(on_disk))
    assert set(attributes(rows, "data-key")) == on_disk
    shot(page, user, "mappings")


@pytest.mark.parametrize("user", ["hr_admin", "auditor"])
def test_mapping(signed_in: SignedIn, airflow_ui: AirflowUI, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/mappings")
    with page.expect_navigation():
        page.locator(f'tr[data-key="{SHOWN_MAPPING}"] a').click()
    assert urlparse(page.url).path == f"/hrhub/{SHOWN_MAPPING}"
    mapping = Mapping.load(REPO_ROOT / SHOWN_MAPPING)
    expect(page.locator("h1")).to_have_text(SHOWN_MAPPING)
    expect(page.locator("#version")).to_have_text(mapping.version)
    expect(page.locator("#fields tr[data-target]")).to_have_count(len(mapping.fields))
    expect(page.locator("#approve")).to_have_count(1 if user == "auditor" else 0)
    shot(page, user, "mapping")


@pytest.mark.parametrize("user", ["hr_admin", "auditor"])
def test_mapping_diff(signed_in: SignedIn, airflow_ui: AirflowUI, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, f"/hrhub/{SHOWN_MAPPING}")
    with page.expect_navigation():
        page.locator("#diff-link").click()
    expect(page.locator("h1")).to_contain_text(EN("mappings.diff_title"))
    commits = page.locator("#commits tr[data-rev]")
    expect(commits.first).to_be_visible()
    rev = commits.last.get_attribute("data-rev")
    with page.expect_navigation():
        commits.last.get_by_role("link", name=EN("mappings.vs_working")).click()
    assert f"from={rev}" in page.url
    versions = page.locator("main h2 + p > code").all_inner_texts()
    old_version, new_version = versions[-2], versions[-1]
    assert new_version == Mapping.load(REPO_ROOT / SHOWN_MAPPING).version
    if old_version == new_version:
        expect(page.locator("#identical")).to_have_text(EN("mappings.identical"))
    else:
        expect(page.locator("#changes tr[data-kind]").first).to_be_visible()
    shot(page, user, "mapping-diff")


@pytest.mark.parametrize("user", ["hr_admin", "auditor"])
def test_lineage(signed_in: SignedIn, airflow_ui: AirflowUI, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/lineage")
    expect(page.locator("h1")).to_have_text(EN("lineage.title"))
    name = page.locator('#canonical-fields tr[data-canonical="candidate.name"]')
    expect(name).to_contain_text("successfactors.candidate.firstName")
    with page.expect_navigation():
        name.get_by_role("link", name="candidate.name").click()
    expect(page.locator("#sources tr[data-system='successfactors']").first).to_be_visible()
    shot(page, user, "lineage")


@pytest.mark.parametrize("user", ["hr_admin", "manager", "auditor"])
def test_reports(signed_in: SignedIn, airflow_ui: AirflowUI, user: str) -> None:
    page = signed_in(user)
    open_page(page, airflow_ui, "/hrhub/reports")
    expect(page.locator("h1")).to_have_text(EN("reports.batch"))
    expect(page.locator("#batch-report #totals")).to_be_visible()
    expect(page.locator("#chart-funnel")).to_be_visible()
    expect(page.locator("#bias-link")).to_have_count(1 if user == "auditor" else 0)
    shot(page, user, "reports")


def test_bias_report(signed_in: SignedIn, airflow_ui: AirflowUI) -> None:
    page = signed_in("auditor")
    open_page(page, airflow_ui, "/hrhub/reports")
    with page.expect_navigation():
        page.locator("#bias-link").click()
    assert urlparse(page.url).path == "/hrhub/reports/bias"
    expect(page.locator("h1")).to_have_text(EN("bias.title"))
    # The world holds results for review, none scored for the audit.
    expect(page.locator("#too-few")).to_have_text(EN("bias.no_results"))
    shot(page, "auditor", "bias")


def test_audit_log(signed_in: SignedIn, airflow_ui: AirflowUI, world: World) -> None:
    """The auditor's own refused attempt is the newest entry of the log the page shows."""
    page = signed_in("auditor")
    open_page(page, airflow_ui, "/hrhub/dead-letters", status=403)
    open_page(page, airflow_ui, "/hrhub/audit")
    expect(page.locator("h1")).to_have_text(EN("audit.title"))
    expect(page.locator("#chain")).to_have_attribute("data-ok", "true")
    newest = page.locator("#entries tr[data-seq]").first
    expect(newest).to_have_attribute("data-seq", str(last_seq(world)))
    expect(newest).to_have_attribute("data-action", "web.refused")
    expect(newest).to_contain_text("auditor")
    expect(newest).to_contain_text("GET /hrhub/dead-letters")
    expect(newest).to_contain_text("not_your_role")
    shot(page, "auditor", "audit")


@pytest.mark.parametrize("user", ["hr_admin", "auditor"])
def test_airflow_menu_opens_hrhub_in_an_iframe(
    signed_in: SignedIn, airflow_ui: AirflowUI, user: str
) -> None:
    """From Airflow's own UI: Plugins -> hrhub -> "hrhub: run status" shows hrhub's page in
    Airflow's frame, and hrhub's links work inside it."""
    page = signed_in(user)
    page.goto(airflow_ui.base_url)
    page.get_by_role("button", name="Plugins").click()
    page.get_by_role("menuitem", name="hrhub", exact=True).click()
    page.get_by_role("menuitem", name="hrhub: run status").click()
    page.wait_for_url(f"{airflow_ui.base_url}/plugin/hrhub-status")
    expect(page.locator("iframe")).to_have_count(1)
    frame = page.frame_locator("iframe")
    expect(frame.locator("h1")).to_have_text(EN("status.title"))
    expect(frame.locator("#stages tr[data-stage]")).to_have_count(len(Stage))
    shot(page, user, "airflow-menu-status")
    frame.locator("header").get_by_role("link", name=EN("nav.candidates")).click()
    expect(frame.locator("h1")).to_have_text(EN("candidates.title"))
    expect(frame.locator("#applications tr[data-application]")).to_have_count(30)
    shot(page, user, "airflow-menu-candidates")


# --------------------------------------------------------------------------- actions


def test_hr_admin_replays_a_dead_letter_that_still_fails(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    """The world's refused phone number is still refused: the letter stays open with the
    reason it fails now, and the page says exactly that."""
    letter_id = world.dead_letter_ids[0]
    before = _letter(world, letter_id)
    seq = last_seq(world)
    page = signed_in("hr_admin")
    open_page(page, airflow_ui, "/hrhub/dead-letters")
    row = page.locator(f'#letters tr[data-letter="{letter_id}"]')
    response = submit(page, row.locator("form.replay button"))
    assert response.status == 200 and urlparse(page.url).path == "/hrhub/dead-letters"
    flash = page.locator(f'#flash li[data-letter="{letter_id}"]')
    expect(flash).to_have_attribute("data-outcome", "still_failing")
    after = _letter(world, letter_id)
    assert after.replayed_at is None and after.replay_count == before.replay_count
    assert after.reason != before.reason  # why it fails now, as the page shows it
    expect(flash).to_contain_text(EN("dead_letters.outcome.still_failing", id=letter_id))
    expect(flash).to_contain_text(after.reason)
    expect(row).to_be_visible()
    _assert_replay_audited(world, seq, letter_id, "still_failing")
    shot(page, "hr_admin", "dead-letters-replayed-still-failing")


def test_hr_admin_replays_a_refused_write(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    """A write SuccessFactors refused is queued again: the letter closes."""
    letter = a_write_refused_for_good(world)
    seq = last_seq(world)
    page = signed_in("hr_admin")
    open_page(page, airflow_ui, "/hrhub/dead-letters")
    row = page.locator(f'#letters tr[data-letter="{letter.id}"]')
    response = submit(page, row.locator("form.replay button"))
    assert response.status == 200
    flash = page.locator(f'#flash li[data-letter="{letter.id}"]')
    expect(flash).to_have_attribute("data-outcome", "replayed")
    expect(flash).to_have_text(EN("dead_letters.outcome.replayed", id=letter.id))
    expect(row).to_have_count(0)
    after = _letter(world, letter.id)
    assert after.replayed_at is not None and after.replay_count == letter.replay_count + 1
    assert letter.outbox_key is not None
    item = world.ledger.outbox_item(letter.outbox_key)
    assert item is not None and item.status == "pending"
    _assert_replay_audited(world, seq, letter.id, "replayed")
    shot(page, "hr_admin", "dead-letters-replayed")


def _letter(world: World, letter_id: int) -> DeadLetter:
    (letter,) = [d for d in world.ledger.dead_letters(open_only=False) if d.id == letter_id]
    return letter


def _assert_replay_audited(world: World, seq: int, letter_id: int, outcome: str) -> None:
    entries = [e for e in world.ledger.audit_entries(seq) if e.action == "dead_letter.replay"]
    assert [(e.actor, e.subject, e.data["outcome"]) for e in entries] == [
        ("hr_admin", f"dead_letter:{letter_id}", outcome)
    ]


def test_manager_approves_a_result_held_for_review(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    result_id = others_review(world)
    held = world.ledger.review_hold(result_id)
    assert held is not None and held.status == "pending"
    assert outbox_of(world.ledger, result_id) == []
    page = signed_in("manager")
    open_page(page, airflow_ui, "/hrhub/reviews")
    with page.expect_navigation():
        page.locator(f'#reviews tr[data-result="{result_id}"]').get_by_role("link").click()
    form = page.locator("#decide")
    form.locator('input[name="decision"][value="approve"]').check()
    form.locator('textarea[name="reason"]').fill("checked the answers in the browser")
    response = submit(page, form.locator('button[type="submit"]'))
    assert response.status == 200 and urlparse(page.url).path == "/hrhub/reviews"
    flash = page.locator("#flash")
    expect(flash).to_have_attribute("data-outcome", "approved")
    expect(flash).to_have_text(EN("reviews.outcome.approved", id=result_id, by="manager"))
    expect(page.locator(f'#reviews tr[data-result="{result_id}"]')).to_have_count(0)
    hold = world.ledger.review_hold(result_id)
    assert hold is not None
    assert (hold.status, hold.decided_by, hold.decision_reason) == (
        "approved",
        "manager",
        "checked the answers in the browser",
    )
    queued = outbox_of(world.ledger, result_id)
    assert sorted((o.target_system, o.entity, o.payload) for o in queued) == sorted(
        (w["target_system"], w["operation"], w["payload"]) for w in held.writes
    )
    approved = [e for e in world.ledger.audit_entries() if e.action == "review.approved"]
    assert [(e.actor, e.subject) for e in approved] == [("manager", f"review:{result_id}")]
    shot(page, "manager", "reviews-approved")


def test_auditor_approves_a_mapping(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    version = Mapping.load(REPO_ROOT / APPROVED_MAPPING).version
    assert ApprovalLog.read(world.ledger).state(APPROVED_MAPPING, version).status != "approved"
    page = signed_in("auditor")
    open_page(page, airflow_ui, f"/hrhub/{APPROVED_MAPPING}")
    form = page.locator("#approve")
    form.locator('input[name="note"]').fill("CR-11 reviewed in the browser")
    response = submit(page, form.get_by_role("button"))
    assert response.status == 200 and urlparse(page.url).path == f"/hrhub/{APPROVED_MAPPING}"
    expect(page.locator("#outcome")).to_have_attribute("data-outcome", "recorded")
    expect(page.locator("#approval")).to_contain_text("approved by auditor on")
    expect(page.locator("#history tr[data-seq]").first).to_contain_text("auditor")
    state = ApprovalLog.read(world.ledger).state(APPROVED_MAPPING, version)
    assert state.ok and state.approval is not None and state.approval.by == "auditor"
    approvals = [e for e in world.ledger.audit_entries() if e.action == APPROVE]
    assert [(e.actor, e.subject, e.data["version"], e.data["note"]) for e in approvals] == [
        ("auditor", APPROVED_MAPPING, version, "CR-11 reviewed in the browser")
    ]
    shot(page, "auditor", "mapping-approved")


# --------------------------------------------------------------------------- refusals


def _not_own_application(world: World) -> str:
    return sorted(world.applications_of("recruiter02"))[0]


REFUSED_PAGES = {
    "audit": ("recruiter", lambda w: "/hrhub/audit", 403, "not_your_role"),
    "mappings": ("recruiter", lambda w: "/hrhub/mappings", 403, "not_your_role"),
    "candidate-not-own": (
        "recruiter",
        lambda w: candidate_url(_not_own_application(w)),
        403,
        "not_your_requisition",
    ),
    "bias": ("hr_admin", lambda w: "/hrhub/reports/bias", 403, "not_your_role"),
    "unknown-candidate": (
        "hr_admin",
        lambda w: candidate_url("successfactors:application:999999"),
        404,
        "not_found",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED_PAGES))
def test_a_page_the_role_may_not_see_is_refused(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World, name: str
) -> None:
    user, path_of, status, reason = REFUSED_PAGES[name]
    path = path_of(world)
    page = signed_in(user)
    before, seq = snapshot(world.ledger), last_seq(world)
    response = open_page(page, airflow_ui, path, status=status)
    assert_refused(
        page,
        response,
        world,
        before,
        seq,
        status=status,
        reason=reason,
        actor=user,
        subject=f"GET {unquote(path)}",
    )
    if name == "candidate-not-own":  # nothing of the other recruiter's candidate shows
        candidate = world.candidate_of[_not_own_application(world)]
        assert world.pii[candidate] not in page.content()
    if status == 404:  # the page names what was not found
        expect(page.locator("#refusal-detail")).to_contain_text(unquote(path).rsplit("/", 1)[1])
    shot(page, user, f"refused-{name}")


def test_auditor_sees_no_personal_data(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    page = signed_in("auditor")
    open_page(page, airflow_ui, "/hrhub/candidates")
    expect(page.locator("#applications tr[data-application]")).to_have_count(30)
    expect(page.locator("#masked-note")).to_be_visible()
    listed = page.content()
    assert [marker for marker in world.pii.values() if marker in listed] == []
    app = own_application(world)
    candidate = world.candidate_of[app]
    open_page(page, airflow_ui, candidate_url(app))
    expect(page.locator('#personal tr[data-field="emails"] td')).to_have_class("masked")
    detail = page.content()
    assert [marker for marker in world.pii.values() if marker in detail] == []
    assert [value for value in personal_values(world, candidate) if value in detail] == []
    shot(page, "auditor", "candidate-masked")


def test_without_a_session_the_page_links_to_airflows_login(
    fresh_page: Page, airflow_ui: AirflowUI, world: World
) -> None:
    page = fresh_page
    before, seq = snapshot(world.ledger), last_seq(world)
    response = open_page(page, airflow_ui, "/hrhub/status", status=401)
    assert_refused(
        page,
        response,
        world,
        before,
        seq,
        status=401,
        reason="not_signed_in",
        actor=ANONYMOUS,
        subject="GET /hrhub/status",
    )
    shot(page, ANONYMOUS, "refused-no-session")
    # The link leads to Airflow's form, which brings the person back to the page.
    link = page.get_by_role("link", name=EN("refused.sign_in"))
    expect(link).to_have_attribute("href", f"{LOGIN_PATH}?next=/hrhub/status")
    with page.expect_navigation():
        link.click()
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(airflow_ui.passwords["manager"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{airflow_ui.base_url}/hrhub/status")
    expect(page.locator("h1")).to_have_text(EN("status.title"))
    expect(page.locator("#role")).to_have_text(EN("role.recruiting_manager"))


def _session_page(browser: Browser, airflow_ui: AirflowUI, token: str) -> Page:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_cookies([{"name": TOKEN_COOKIE, "value": token, "url": airflow_ui.base_url}])
    return context.new_page()


def test_a_forged_session_is_refused(
    browser: Browser, signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    """A real token with one character of its signature changed."""
    token = token_cookie(signed_in("recruiter"))
    assert token
    header, claims, signature = token.split(".")
    i = len(signature) // 2
    changed = "B" if signature[i] == "A" else "A"
    forged = f"{header}.{claims}.{signature[:i]}{changed}{signature[i + 1 :]}"
    page = _session_page(browser, airflow_ui, forged)
    try:
        before, seq = snapshot(world.ledger), last_seq(world)
        response = open_page(page, airflow_ui, "/hrhub/status", status=401)
        assert_refused(
            page,
            response,
            world,
            before,
            seq,
            status=401,
            reason="session_invalid",
            actor=ANONYMOUS,
            subject="GET /hrhub/status",
        )
        expect(page.get_by_role("link", name=EN("refused.sign_in"))).to_be_visible()
        shot(page, ANONYMOUS, "refused-forged-session")
    finally:
        page.context.close()


def test_an_expired_session_is_refused(
    browser: Browser, signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    """A token with a real one's claims, signed with the deployment's key, expired an hour
    ago; the same claims unexpired are accepted, so expiry is what is refused."""
    token = token_cookie(signed_in("recruiter"))
    assert token
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "recruiter"
    secret = airflow_ui.deployment.env["AIRFLOW__API_AUTH__JWT_SECRET"]

    def signed(issued: int, lifetime: int) -> str:
        times = {"iat": issued, "nbf": issued, "exp": issued + lifetime}
        return jwt.encode(
            {**claims, **times}, secret, algorithm=header["alg"], headers={"kid": header["kid"]}
        )

    now = int(time.time())
    page = _session_page(browser, airflow_ui, signed(now - 7200, 3600))
    try:
        before, seq = snapshot(world.ledger), last_seq(world)
        response = open_page(page, airflow_ui, "/hrhub/status", status=401)
        assert_refused(
            page,
            response,
            world,
            before,
            seq,
            status=401,
            reason="session_expired",
            actor=ANONYMOUS,
            subject="GET /hrhub/status",
        )
        shot(page, ANONYMOUS, "refused-expired-session")
        page.context.clear_cookies()
        page.context.add_cookies(
            [{"name": TOKEN_COOKIE, "value": signed(now, 3600), "url": airflow_ui.base_url}]
        )
        open_page(page, airflow_ui, "/hrhub/status")
        expect(page.locator("#role")).to_have_text(EN("role.recruiter"))
    finally:
        page.context.close()


def test_a_forged_replay_form_is_refused_and_replays_nothing(
    signed_in: SignedIn, airflow_ui: AirflowUI, world: World
) -> None:
    """The replay form posted with an anti-forgery value that is not the session's."""
    letter_id = world.dead_letter_ids[1]
    page = signed_in("hr_admin")
    open_page(page, airflow_ui, "/hrhub/dead-letters")
    form = page.locator(f'#letters tr[data-letter="{letter_id}"] form.replay')
    form.locator('input[name="csrf"]').evaluate("input => { input.value = '0'.repeat(64); }")
    before, seq = snapshot(world.ledger), last_seq(world)
    response = submit(page, form.get_by_role("button"))
    assert_refused(
        page,
        response,
        world,
        before,
        seq,
        status=403,
        reason="form_forged",
        actor="hr_admin",
        subject=f"POST /hrhub/dead-letters/{letter_id}/replay",
    )
    assert _letter(world, letter_id).replay_count == 0
    shot(page, "hr_admin", "refused-forged-form")
