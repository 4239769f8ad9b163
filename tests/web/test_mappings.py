"""The mapping pages: every file listed with its approval, a file's field table as
`field_views` reads it, its versions and approval history, an auditor's approval (and every
other role's refusal), diffs between git revisions, and lineage across the mappings."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from hrhub.ledger import AuditEntry
from hrhub.mapping import approvals
from hrhub.mapping.approvals import APPROVE, ApprovalLog, mapping_key
from hrhub.mapping.diff import diff_mappings
from hrhub.mapping.engine import Mapping, MappingFileError
from hrhub.mapping.report import field_views, mapping_files
from hrhub.web import WebSettings, create_app
from hrhub.web.app import REPO_ROOT
from hrhub.web.auth import Viewer, form_token
from hrhub.web.roles import Role, RoleDirectory
from tests.web.conftest import ROLES, SECRET, as_user, token_is_login
from tests.web.world import World

MAPPINGS = REPO_ROOT / "mappings"
CANDIDATE_IN = "mappings/successfactors/candidate.in.yaml"


class Tables(HTMLParser):
    """Every table with an id: its rows as (the row's attributes, its cells' text)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[dict[str, str], list[str]]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "table" and "id" in found:
            self._table = found["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append((found, []))
        elif tag == "td" and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._table is not None and self._cell is not None:
            self.tables[self._table][-1][1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table: str) -> list[tuple[dict[str, str], list[str]]]:
        """The table's rows with cells (the header row has none)."""
        return [(attrs, cells) for attrs, cells in self.tables[table] if cells]


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no form"
    return found.group(1)


def _form_version(page: str) -> str:
    found = re.search(r'name="version" value="([^"]+)"', page)
    assert found, "the page has no approve form"
    return found.group(1)


def _audit(world: World, action: str) -> list[AuditEntry]:
    with Session(world.ledger.engine) as session:
        stmt = select(AuditEntry).where(col(AuditEntry.action) == action)
        return list(session.exec(stmt.order_by(col(AuditEntry.seq))))


def _refusal(response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text[:500]
    assert f'data-reason="{reason}"' in response.text


# --- the list ------------------------------------------------------------------------------


def test_list_shows_every_mapping_file_on_disk(client: TestClient) -> None:
    page = as_user(client, "aud").get("/mappings?lang=en")
    assert page.status_code == 200
    on_disk = {mapping_key(path) for path in mapping_files(MAPPINGS)}
    assert len(on_disk) >= 20
    listed = re.findall(r'<tr data-key="([^"]+)"', page.text)
    assert sorted(listed) == sorted(on_disk)
    for key in on_disk:
        assert f'href="/{key}"' in page.text
    systems = set(re.findall(r'<table class="mappings" data-system="([^"]+)"', page.text))
    assert systems == {path.parent.name for path in mapping_files(MAPPINGS)}
    # Nothing approved in the test ledger: every row says so.
    assert page.text.count('data-status="never"') == len(on_disk)


def test_both_languages_render(client: TestClient) -> None:
    viewer = as_user(client, "aud")
    checks = {
        "/mappings": ("Field mappings", "字段映射"),
        f"/{CANDIDATE_IN}": ("Approval history", "审批记录"),
        f"/{CANDIDATE_IN}/diff": ("Compare versions", "版本对比"),
        "/lineage": ("Field lineage", "字段血缘"),
    }
    for path, (english, chinese) in checks.items():
        en = viewer.get(f"{path}?lang=en")
        zh = viewer.get(f"{path}?lang=zh")
        assert en.status_code == zh.status_code == 200, path
        assert english in en.text and chinese not in en.text, path
        assert chinese in zh.text, path


# --- one file ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", mapping_files(MAPPINGS), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_field_table_matches_field_views(client: TestClient, path: Path) -> None:
    mapping = Mapping.load(path)
    page = as_user(client, "aud").get(f"/{mapping_key(path)}?lang=en")
    assert page.status_code == 200
    rows = Tables(page.text).rows("fields")
    views = field_views(mapping)
    assert [attrs["data-target"] for attrs, _ in rows] == [v.target for v in views]
    for (attrs, cells), view in zip(rows, views, strict=True):
        expected = [
            view.target,
            view.source_text,
            view.transform_text,
            view.default_text,
            "yes" if view.required else "",
            view.condition_text,
        ]
        assert [unescape(c) for c in cells[:6]] == expected, view.target
        flag = cells[6]
        assert (flag == "yes") == view.personal_data, view.target
        assert ("unflagged" in attrs.get("class", "")) == view.unflagged
    assert f'<code id="version">{mapping.version}</code>' in page.text
    if mapping.description:
        assert unescape(page.text).count(mapping.description) >= 1


def test_unknown_mapping_is_404_and_audited(client: TestClient, world: World) -> None:
    viewer = as_user(client, "aud")
    _refusal(viewer.get("/mappings/successfactors/nope.in.yaml"), 404, "not_found")
    _refusal(viewer.get("/mappings/successfactors/nope.in.yaml/diff?from=HEAD"), 404, "not_found")
    csrf = _csrf(viewer.get(f"/{CANDIDATE_IN}").text)
    posted = viewer.post(
        "/mappings/successfactors/nope.in.yaml/approve",
        data={"csrf": csrf, "version": "sha256:0"},
        follow_redirects=False,
    )
    _refusal(posted, 404, "not_found")
    refusals = [e for e in _audit(world, "web.refused") if e.data["status"] == 404]
    assert len(refusals) == 3 and {e.actor for e in refusals} == {"aud"}
    assert _audit(world, APPROVE) == []


# --- approving -----------------------------------------------------------------------------


def test_auditor_approves_the_current_version(client: TestClient, world: World) -> None:
    viewer = as_user(client, "aud")
    page = viewer.get(f"/{CANDIDATE_IN}?lang=en")
    version = _form_version(page.text)
    assert version == Mapping.load(REPO_ROOT / CANDIDATE_IN).version
    assert ApprovalLog.read(world.ledger).state(CANDIDATE_IN, version).status == "never"

    form = {"csrf": _csrf(page.text), "version": version, "note": "CR-11 reviewed"}
    done = viewer.post(f"/{CANDIDATE_IN}/approve", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/{CANDIDATE_IN}?outcome=recorded")

    state = ApprovalLog.read(world.ledger).state(CANDIDATE_IN, version)
    assert state.ok and state.approval is not None and state.approval.by == "aud"
    (entry,) = _audit(world, APPROVE)
    assert (entry.actor, entry.subject) == ("aud", CANDIDATE_IN)
    assert entry.data == {"version": version, "approver": "aud", "note": "CR-11 reviewed"}

    shown = viewer.get(done.headers["location"] + "&lang=en")
    assert 'data-outcome="recorded"' in shown.text
    assert "approved by aud on" in shown.text
    history = Tables(shown.text).rows("history")
    assert [cells[2:5] for _, cells in history] == [["approved", version, "aud"]]
    versions = Tables(shown.text).rows("versions")
    assert versions[0][0]["data-version"] == version and "current" in versions[0][1][0]

    # The same person again: approve() records nothing new, the page says so.
    again = viewer.post(f"/{CANDIDATE_IN}/approve", data=form, follow_redirects=False)
    assert again.status_code == 303 and "outcome=already" in again.headers["location"]
    assert len(_audit(world, APPROVE)) == 1
    listed = viewer.get("/mappings?lang=en").text
    assert listed.count('data-status="approved"') == 1


def test_hr_admin_may_not_approve(client: TestClient, world: World) -> None:
    viewer = as_user(client, "hr")
    page = viewer.get(f"/{CANDIDATE_IN}")
    assert page.status_code == 200
    assert 'id="approve"' not in page.text
    hr = Viewer("hr", Role.HR_ADMIN, "hr", "hr")
    version = Mapping.load(REPO_ROOT / CANDIDATE_IN).version
    posted = viewer.post(
        f"/{CANDIDATE_IN}/approve",
        data={"csrf": form_token(SECRET, hr), "version": version},
        follow_redirects=False,
    )
    _refusal(posted, 403, "not_your_role")
    (refusal,) = _audit(world, "web.refused")
    assert refusal.actor == "hr" and refusal.subject == f"POST /{CANDIDATE_IN}/approve"
    assert _audit(world, APPROVE) == []
    assert ApprovalLog.read(world.ledger).state(CANDIDATE_IN, version).status == "never"


def test_a_changed_file_or_a_bad_form_records_nothing(client: TestClient, world: World) -> None:
    viewer = as_user(client, "aud")
    csrf = _csrf(viewer.get(f"/{CANDIDATE_IN}").text)
    url = f"/{CANDIDATE_IN}/approve"
    stale = viewer.post(url, data={"csrf": csrf, "version": "sha256:0000000000000000"})
    _refusal(stale, 409, "mapping_changed")
    _refusal(viewer.post(url, data={"csrf": csrf}), 400, "bad_form")
    version = Mapping.load(REPO_ROOT / CANDIDATE_IN).version
    long_note = {"csrf": csrf, "version": version, "note": "x" * 501}
    _refusal(viewer.post(url, data=long_note), 400, "bad_form")
    _refusal(viewer.post(url, data={"csrf": "0" * 64, "version": version}), 403, "form_forged")
    assert _audit(world, APPROVE) == []
    assert len(_audit(world, "web.refused")) == 4


def test_roles_without_view_mappings_are_refused(client: TestClient, world: World) -> None:
    for login in ("rec", "boss"):
        viewer = as_user(client, login)
        for path in ("/mappings", f"/{CANDIDATE_IN}", f"/{CANDIDATE_IN}/diff", "/lineage"):
            _refusal(viewer.get(path), 403, "not_your_role")
    assert len(_audit(world, "web.refused")) == 8
    assert 'href="/mappings"' not in as_user(client, "rec").get("/status").text


# --- diffs between git revisions -----------------------------------------------------------

V1 = """\
system: successfactors
entity: candidate
direction: in
description: Candidates, first cut.
fields:
  remote_id: {from: candidateId, transform: str, required: true}
  given_name: {from: firstName, personal_data: true}
  name: {from: lastName}
"""
V2 = """\
system: successfactors
entity: candidate
direction: in
description: Candidates, first cut.
fields:
  remote_id: {from: candidateId, transform: str, required: true}
  given_name: {from: preferredName, personal_data: true}
  name: {from: lastName, personal_data: true}
  family_name: {from: lastName, personal_data: true}
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.cn", *args],
        check=True,
        capture_output=True,
    )


def _client(world: World, mappings_dir: Path) -> TestClient:
    settings = WebSettings(
        roles=RoleDirectory.parse(ROLES),
        authenticate=token_is_login,
        secret=SECRET,
        ledger_url=world.ledger.url,
        mappings_dir=mappings_dir,
    )
    return as_user(TestClient(create_app(settings)), "aud")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A git repository whose one mapping file has two committed versions."""
    repo = tmp_path / "repo"
    file = repo / CANDIDATE_IN
    file.parent.mkdir(parents=True)
    _git(repo, "init", "-q")
    for n, text in enumerate((V1, V2), 1):
        file.write_text(text, encoding="utf-8")
        _git(repo, "add", ".")
        _git(repo, "commit", "-q", "-m", f"candidate mapping v{n}")
    return repo / "mappings"


def _expected_changes(tmp_path: Path) -> list[tuple[str, str]]:
    loaded = []
    for name, text in (("v1", V1), ("v2", V2)):
        copy = tmp_path / name / "successfactors" / "candidate.in.yaml"
        copy.parent.mkdir(parents=True)
        copy.write_text(text, encoding="utf-8")
        loaded.append(Mapping.load(copy))
    return [(c.kind, c.field or "") for c in diff_mappings(*loaded).changes]


def test_diff_between_two_git_revisions(history: Path, world: World, tmp_path: Path) -> None:
    viewer = _client(world, history)
    page = viewer.get(f"/{CANDIDATE_IN}/diff?from=HEAD~1&to=HEAD&lang=en")
    assert page.status_code == 200, page.text[:500]
    rows = Tables(page.text).rows("changes")
    shown = [(attrs["data-kind"], attrs["data-field"]) for attrs, _ in rows]
    assert shown == _expected_changes(tmp_path)
    assert ("source", "given_name") in shown
    assert ("personal_data", "name") in shown
    assert ("added", "family_name") in shown
    source = next(cells for attrs, cells in rows if attrs["data-kind"] == "source")
    assert source[2:4] == ["firstName", "preferredName"]
    # The file's commits, newest first, each offered against the one before.
    commits = Tables(page.text).rows("commits")
    assert [cells[2] for _, cells in commits] == ["candidate mapping v2", "candidate mapping v1"]
    # Against the file as it is (HEAD's content): identical.
    same = viewer.get(f"/{CANDIDATE_IN}/diff?from=HEAD&lang=en")
    assert same.status_code == 200 and 'id="identical"' in same.text
    # The page in this tree shows the unflagged personal field of v1 no more, v2 flags it.
    fields = Tables(viewer.get(f"/{CANDIDATE_IN}").text).rows("fields")
    assert not any("unflagged" in attrs.get("class", "") for attrs, _ in fields)


def test_unflagged_personal_field_is_highlighted(history: Path, world: World) -> None:
    (history / "successfactors" / "candidate.in.yaml").write_text(V1, encoding="utf-8")
    page = _client(world, history).get(f"/{CANDIDATE_IN}?lang=en")
    flagged = {
        attrs["data-target"]: cells[6]
        for attrs, cells in Tables(page.text).rows("fields")
        if "unflagged" in attrs.get("class", "")
    }
    assert flagged == {"name": "yes (canonical model; not flagged in the mapping)"}


def test_revoked_and_changed_approvals_say_who_and_which_version(
    history: Path, world: World
) -> None:
    file = history / "successfactors" / "candidate.in.yaml"
    first = approvals.approve(world.ledger, file, by="li.na", note="v2 ok")
    approvals.revoke(world.ledger, file, by="wang.wei", note="mobile must carry +86")
    viewer = _client(world, history)
    listed = viewer.get("/mappings?lang=en").text
    assert 'data-status="revoked"' in listed
    assert "revoked by wang.wei on" in listed and "(approved by li.na on" in listed
    assert "(mobile must carry +86)" in listed

    approvals.approve(world.ledger, file, by="li.na")
    file.write_text(V1, encoding="utf-8")  # the file changes after its approval
    page = viewer.get(f"/{CANDIDATE_IN}?lang=en").text
    assert 'data-status="changed"' in page
    assert f"the file changed since version {first.version} was approved by li.na" in page
    versions = [attrs["data-version"] for attrs, _ in Tables(page).rows("versions")]
    assert versions == [Mapping.load(file).version, first.version]
    actions = [cells[2:5] for _, cells in Tables(page).rows("history")]
    assert actions == [
        ["approved", first.version, "li.na"],
        ["revoked", first.version, "wang.wei"],
        ["approved", first.version, "li.na"],
    ]


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("from=HEAD~5", 404, "revision_not_found"),
        ("from=no-such-branch&to=HEAD", 404, "revision_not_found"),
        ("from=HEAD~1&to=deadbeef", 404, "revision_not_found"),
        ("from=--output=/tmp/hrhub-x", 400, "bad_revision"),
        ("from=HEAD~1..HEAD", 400, "bad_revision"),
        ("from=HEAD:mappings", 400, "bad_revision"),
    ],
)
def test_bad_revisions_are_refused(
    history: Path, world: World, query: str, status: int, reason: str
) -> None:
    response = _client(world, history).get(f"/{CANDIDATE_IN}/diff?{query}")
    _refusal(response, status, reason)
    (refusal,) = _audit(world, "web.refused")
    assert refusal.actor == "aud" and refusal.data["reason"] == reason
    revision = query.split("=", 1)[1].split("&")[0] if reason == "bad_revision" else ""
    assert revision in refusal.data["detail"]


def test_diff_outside_git_is_refused_not_an_error(tmp_path: Path, world: World) -> None:
    folder = tmp_path / "plain" / "mappings"
    (folder / "successfactors").mkdir(parents=True)
    (folder / "successfactors" / "candidate.in.yaml").write_text(V1, encoding="utf-8")
    viewer = _client(world, folder)
    response = viewer.get(f"/{CANDIDATE_IN}/diff?from=HEAD", headers={"accept": "application/json"})
    assert response.status_code == 404
    body = response.json()
    assert body["reason"] == "revision_not_found" and "HEAD" in body["detail"]
    assert 'id="no-commits"' in viewer.get(f"/{CANDIDATE_IN}/diff").text


def test_a_broken_file_is_listed_and_cannot_be_approved(tmp_path: Path, world: World) -> None:
    folder = tmp_path / "broken" / "mappings"
    (folder / "successfactors").mkdir(parents=True)
    (folder / "successfactors" / "candidate.in.yaml").write_text(
        V1.replace("direction: in", "direction: sideways"), encoding="utf-8"
    )
    with pytest.raises(MappingFileError):
        Mapping.load(folder / "successfactors" / "candidate.in.yaml")
    viewer = _client(world, folder)
    listed = viewer.get("/mappings?lang=en")
    assert listed.status_code == 200 and "does not load" in listed.text
    page = viewer.get(f"/{CANDIDATE_IN}?lang=en")
    assert page.status_code == 200 and 'id="problems"' in page.text
    assert 'id="approve"' not in page.text
    csrf = form_token(SECRET, Viewer("aud", Role.AUDITOR, "aud", "aud"))
    posted = viewer.post(f"/{CANDIDATE_IN}/approve", data={"csrf": csrf, "version": "sha256:0"})
    _refusal(posted, 409, "mapping_not_approvable")
    assert _audit(world, APPROVE) == []


# --- lineage -------------------------------------------------------------------------------


def test_lineage_of_a_successfactors_field_reaches_its_targets(client: TestClient) -> None:
    viewer = as_user(client, "aud")
    page = viewer.get("/lineage?system=successfactors&field=jobTitle&lang=en")
    assert page.status_code == 200
    tables = Tables(page.text)
    feeds = tables.rows("feeds")
    assert [attrs["data-canonical"] for attrs, _ in feeds] == ["job.title"]
    assert feeds[0][1][4] == "copied"
    targets = {
        (attrs["data-system"], attrs["data-operation"], attrs["data-target"])
        for attrs, _ in tables.rows("targets-job-title")
    }
    assert ("yonyou", "bip_requisition", "name") in targets


def test_lineage_of_a_candidate_field_names_its_canonical_fields(client: TestClient) -> None:
    page = as_user(client, "aud").get("/lineage?system=successfactors&field=firstName&lang=en")
    feeds = Tables(page.text).rows("feeds")
    canonical = {attrs["data-canonical"] for attrs, _ in feeds}
    assert {"candidate.given_name", "candidate.name"} <= canonical
    # No out-mapping reads a canonical candidate: the page says so for each canonical field.
    assert page.text.count('class="note no-targets"') == len(canonical)


def test_lineage_of_a_canonical_field_shows_masking(client: TestClient) -> None:
    page = as_user(client, "aud").get("/lineage?entity=attendance_event&field=canonical_id")
    targets = Tables(page.text).rows("targets")
    hashed = [attrs for attrs, cells in targets if attrs["data-operation"] == "bip_checkin"]
    assert hashed and hashed[0]["data-target"] == "code"
    assert 'data-masking="true"' in page.text


def test_lineage_index_and_links_from_a_mapping(client: TestClient) -> None:
    viewer = as_user(client, "aud")
    index = Tables(viewer.get("/lineage").text).rows("canonical-fields")
    assert "job.title" in {attrs["data-canonical"] for attrs, _ in index}
    page = viewer.get("/mappings/successfactors/job.in.yaml").text
    assert 'href="/lineage?system=successfactors&amp;field=jobTitle"' in page
    out = viewer.get("/mappings/yonyou/bip_requisition.out.yaml").text
    assert 'href="/lineage?entity=job&amp;field=title"' in out
