"""Mappings for auditors: every mapping file as a table of fields, its versions and which of
them wrote records, who approved which version, an approve action, and diffs between git
revisions of the file.

Everything shown is what `hrhub mappings` computes: the files and approvals come from
`hrhub.mapping.report.build_report`, the history from `ApprovalLog`, an approval is
`approvals.approve` (its own audit entry, actor the signed-in person) followed by the release
of the writes production mode held for that version, and a diff is `diff.diff_mappings` over
`diff.load_revision`. A mapping's page is `/mappings/<system>/<file>`: its audit subject
(`approvals.mapping_key`) read as a path under the app.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, col, select

from hrhub.ledger import Ledger, OutboxItem, Receipt
from hrhub.mapping import approvals
from hrhub.mapping.approvals import (
    ApprovalEvent,
    ApprovalLog,
    ApprovalState,
    approval_state,
    mapping_key,
)
from hrhub.mapping.diff import (
    BadRevision,
    DiffInputError,
    check_revision,
    diff_mappings,
    load_file,
    load_revision,
)
from hrhub.mapping.engine import MappingFileError
from hrhub.mapping.report import FileReport, MappingsReport, build_report, mapping_files
from hrhub.web.app import checked_form, viewer_who_can, web_of
from hrhub.web.auth import Refused, Viewer
from hrhub.web.pages.lineage import canonical_entity_of, canonical_field, lineage_link
from hrhub.web.queries import MAX_ROW_ID
from hrhub.web.roles import Permission

router = APIRouter()
PAGE_SIZE = 50
NOTE_MAX = 500
HISTORY_MAX = 20  # git commits of a file offered for a diff
OUTCOMES = ("recorded", "already")


# --- which files there are -----------------------------------------------------------------


def mapping_catalog(mappings_dir: Path) -> dict[str, Path]:
    """Audit subject (`mappings/<system>/<file>`) -> the file, for every file under the folder."""
    try:
        return {mapping_key(path): path for path in mapping_files(mappings_dir)}
    except FileNotFoundError:
        return {}


def _file_of(request: Request, viewer: Viewer, system: str, file: str) -> tuple[str, Path]:
    key = f"mappings/{system}/{file}"
    path = mapping_catalog(web_of(request).settings.mappings_dir).get(key)
    if path is None:
        raise Refused(404, "not_found", f"no mapping file {key}", actor=viewer.login)
    return key, path


def report_with_approvals(path: Path, log_: ApprovalLog) -> MappingsReport:
    """`build_report` of a folder or file, each loaded file's approval state from one read of
    the approval log. (Given the ledger, `build_report` would also verify the whole audit
    chain on every page view, which grows without end; `hrhub ledger verify` checks it.)"""
    report = build_report(path)
    for file in report.files:
        if file.mapping is not None:
            file.approval = approval_state(file.mapping, log_)
    return report


# --- versions ------------------------------------------------------------------------------


@dataclass
class VersionRow:
    """One version of a file: whether it is the file now, its approval, the writes made with it."""

    version: str
    current: bool
    state: ApprovalState
    owed: dict[str, int] = field(default_factory=dict)  # outbox status -> writes
    written: int = 0
    last_written: datetime | None = None


def write_counts(
    ledger: Ledger, system: str, operation: str
) -> tuple[dict[str, dict[str, int]], dict[str, tuple[int, datetime | None]]]:
    """Per mapping version of one out-mapping: outbox writes by status, and receipts (count,
    latest), counted by the database."""
    owed: dict[str, dict[str, int]] = {}
    written: dict[str, tuple[int, datetime | None]] = {}
    with Session(ledger.engine) as session:
        rows = session.exec(
            select(OutboxItem.mapping_version, OutboxItem.status, func.count())
            .where(col(OutboxItem.target_system) == system, col(OutboxItem.entity) == operation)
            .group_by(col(OutboxItem.mapping_version), col(OutboxItem.status))
        )
        for version, status, n in rows:
            owed.setdefault(version, {})[status] = n
        receipts = session.exec(
            select(Receipt.mapping_version, func.count(), func.max(Receipt.written_at))
            .where(col(Receipt.target_system) == system, col(Receipt.entity) == operation)
            .group_by(col(Receipt.mapping_version))
        )
        for version, n, last in receipts:
            written[version] = (n, last)
    return owed, written


def version_rows(report: FileReport, log_: ApprovalLog, ledger: Ledger) -> list[VersionRow]:
    """The current version, then the versions the approval log names, then those that wrote."""
    key, mapping = report.key, report.mapping
    current = mapping.version if mapping else None
    ordered: dict[str, None] = dict.fromkeys([current] if current else [])
    ordered.update(dict.fromkeys(e.version for e in reversed(log_.events) if e.key == key))
    owed: dict[str, dict[str, int]] = {}
    written: dict[str, tuple[int, datetime | None]] = {}
    if mapping is not None and mapping.direction == "out":
        owed, written = write_counts(ledger, mapping.system, mapping.entity)
        by_use = sorted(written.items(), key=lambda kv: kv[1][1] or datetime.min, reverse=True)
        ordered.update(dict.fromkeys(v for v, _ in by_use))
        ordered.update(dict.fromkeys(sorted(owed)))
    rows = []
    for version in ordered:
        n, last = written.get(version, (0, None))
        rows.append(
            VersionRow(
                version,
                version == current,
                log_.state(key, version),
                owed.get(version, {}),
                n,
                last,
            )
        )
    return rows


def history_page(
    log_: ApprovalLog, key: str, before: int | None
) -> tuple[list[ApprovalEvent], int | None]:
    """The file's approvals and revocations, newest first, a page at a time (keyset on seq)."""
    events = [
        e for e in reversed(log_.events) if e.key == key and (before is None or e.seq < before)
    ]
    page = events[:PAGE_SIZE]
    more = len(events) > PAGE_SIZE
    return page, (page[-1].seq if more else None)


# --- the pages -----------------------------------------------------------------------------


@router.get("/mappings", response_class=HTMLResponse)
def mappings_list(
    request: Request, viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_MAPPINGS))
) -> HTMLResponse:
    web = web_of(request)
    root = web.settings.mappings_dir
    log_ = ApprovalLog.read(web.ledger)
    report = report_with_approvals(root, log_) if root.exists() else None
    groups: dict[str, list[FileReport]] = {}
    for file in report.files if report else []:
        groups.setdefault(file.key.split("/")[1], []).append(file)
    return web.render(
        request,
        viewer,
        "mappings.html",
        report=report,
        counts=report.counts() if report else {},
        groups=sorted(groups.items()),
    )


@router.get("/mappings/{system}/{file}", response_class=HTMLResponse)
def mapping_page(
    request: Request,
    system: str,
    file: str,
    outcome: str = Query("", max_length=16),
    released: int = Query(0, ge=0, le=MAX_ROW_ID),
    before: int | None = Query(None, ge=1, le=MAX_ROW_ID),
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_MAPPINGS)),
) -> HTMLResponse:
    web = web_of(request)
    key, path = _file_of(request, viewer, system, file)
    log_ = ApprovalLog.read(web.ledger)
    (report,) = report_with_approvals(path, log_).files
    history, next_before = history_page(log_, key, before)
    mapping = report.mapping
    entity = canonical_entity_of(mapping) if mapping else ""
    return web.render(
        request,
        viewer,
        "mapping.html",
        file=report,
        key=key,
        canonical_entity=entity,
        field_links=[_field_link(report, entity, view.source) for view in report.fields],
        versions=version_rows(report, log_, web.ledger),
        history=history,
        next_before=next_before,
        outcome=outcome if outcome in OUTCOMES else "",
        released=released,
        note_max=NOTE_MAX,
    )


def _field_link(report: FileReport, entity: str, source: str | tuple[str, ...] | None) -> str:
    """The lineage of a field's (first) source: a system field (in) or a canonical one (out)."""
    first = source[0] if isinstance(source, tuple) else source
    mapping = report.mapping
    if not first or mapping is None:
        return ""
    if mapping.direction == "in":
        return lineage_link(system=mapping.system, field=first)
    return lineage_link(entity=entity, field=canonical_field(first))


@router.post("/mappings/{system}/{file}/approve")
def approve_mapping(
    request: Request,
    system: str,
    file: str,
    viewer: Viewer = Depends(viewer_who_can(Permission.APPROVE_MAPPINGS)),
    form: dict[str, str] = Depends(checked_form),
) -> RedirectResponse:
    """Approve the version the page showed, if it is still the file's: every check first,
    then `approvals.approve` (which audits it) and the release of the writes it held."""
    web = web_of(request)
    key, path = _file_of(request, viewer, system, file)
    shown = form.get("version", "").strip()
    note = form.get("note", "").strip() or None
    if not shown:
        raise Refused(400, "bad_form", "field version: missing", actor=viewer.login)
    if note is not None and len(note) > NOTE_MAX:
        raise Refused(
            400, "bad_form", f"field note: longer than {NOTE_MAX} characters", actor=viewer.login
        )
    try:
        mapping = approvals.load_for_approval(path)
    except (MappingFileError, approvals.ApprovalError) as exc:
        raise Refused(409, "mapping_not_approvable", f"{key}: {exc}", actor=viewer.login) from None
    if mapping.version != shown:
        raise Refused(
            409,
            "mapping_changed",
            f"{key}: the page showed version {shown}, the file is now {mapping.version}",
            actor=viewer.login,
        )
    decision = approvals.approve(web.ledger, path, by=viewer.login, note=note)
    from hrhub.flow.push import release_held  # the connectors' registry: loaded when needed

    freed = release_held(web.ledger, decision.key, decision.version)
    query = {"outcome": "recorded" if decision.seq is not None else "already", "released": freed}
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/{key}?{urlencode(query)}", status_code=303)


# --- diffs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commit:
    rev: str
    at: datetime
    subject: str


def file_history(path: Path, limit: int = HISTORY_MAX) -> list[Commit]:
    """The latest commits that changed the file, newest first; none when git cannot say."""
    try:
        shown = subprocess.run(
            [
                "git",
                "-C",
                str(path.parent),
                "log",
                f"-n{limit}",
                "--format=%h%x1f%cI%x1f%s",
                "--",
                path.name,
            ],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if shown.returncode != 0:
        return []
    commits = []
    for line in shown.stdout.decode("utf-8", "replace").splitlines():
        rev, _, rest = line.partition("\x1f")
        at, _, subject = rest.partition("\x1f")
        try:
            commits.append(Commit(rev, datetime.fromisoformat(at), subject))
        except ValueError:
            continue
    return commits


def _revision(viewer: Viewer, name: str, value: str) -> str:
    try:
        return check_revision(value)
    except BadRevision as exc:
        raise Refused(400, "bad_revision", f"{name}={exc}", actor=viewer.login) from None


def _shown(value: Any) -> str:
    """A change's before or after value as text: a removed or added field's aspects compactly."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, False, ""))
    return str(value)


@router.get("/mappings/{system}/{file}/diff", response_class=HTMLResponse)
def mapping_diff(
    request: Request,
    system: str,
    file: str,
    rev_from: str = Query("", alias="from", max_length=100),
    rev_to: str = Query("", alias="to", max_length=100),
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_MAPPINGS)),
) -> HTMLResponse:
    """The file at git revision `from` against revision `to` (default: the file as it is)."""
    web = web_of(request)
    key, path = _file_of(request, viewer, system, file)
    result = None
    if rev_from:
        old = _revision(viewer, "from", rev_from)
        new = _revision(viewer, "to", rev_to) if rev_to else ""
        try:
            with tempfile.TemporaryDirectory(prefix="hrhub-web-diff-") as work:
                before = load_revision(path, old, Path(work))
                after = load_revision(path, new, Path(work)) if new else load_file(path)
        except DiffInputError as exc:
            raise Refused(404, "revision_not_found", str(exc), actor=viewer.login) from None
        except MappingFileError as exc:
            raise Refused(409, "mapping_not_loadable", str(exc), actor=viewer.login) from None
        result = diff_mappings(
            before, after, old_label=f"{key}@{old}", new_label=f"{key}@{new}" if new else key
        )
    return web.render(
        request,
        viewer,
        "mapping_diff.html",
        key=key,
        rev_from=rev_from,
        rev_to=rev_to,
        result=result,
        shown=_shown,
        commits=file_history(path),
    )
