"""What the mapping files say, for auditors: per file and field, as HTML, Markdown and JSON.

Per file: system, entity, direction, version and approval state; per field: target, source,
transform with its parameters, default, required, condition, personal data and note. Also
`trace_writes`, which answers "which mapping wrote this record?" from the ledger's outbox and
receipts. Same files and ledger, same report: nothing in it depends on the clock.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import make_url
from sqlmodel import Session, col, or_, select

from hrhub.ledger.tables import OutboxItem, Receipt
from hrhub.mapping.approvals import (
    ApprovalEvent,
    ApprovalLog,
    ApprovalState,
    mapping_key,
    out_mapping_key,
)
from hrhub.mapping.engine import FieldRule, Mapping, MappingFileError

if TYPE_CHECKING:
    from hrhub.ledger import Ledger

# Transforms whose job is to hide a value: said in words, since that is what auditors look for.
HIDING = {"mask": "masked with", "hash": "hashed with"}


# --- one field -----------------------------------------------------------------------------


def _value(value: Any) -> str:
    """A YAML value as a reader expects it: text quoted, numbers and lists as written."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def transform_text(name: str | None, params: dict[str, Any]) -> str:
    """``mask(keep=4)``, ``concat(sep=", ")``, ``sf_date``; empty without a transform."""
    if name is None:
        return ""
    if not params:
        return name
    args = ", ".join(f"{k}={_value(v)}" for k, v in sorted(params.items()))
    return f"{name}({args})"


def condition_text(conditions: tuple[Any, ...]) -> str:
    """A field's ``when`` tests joined with "and" (all must hold); empty without one."""
    return " and ".join(c.describe() for c in conditions)


@dataclass(frozen=True, slots=True)
class FieldView:
    """One target field as an auditor reads it."""

    target: str
    source: str | tuple[str, ...] | None
    transform: str | None
    params: dict[str, Any]
    has_default: bool
    default: Any
    required: bool
    personal_data: bool
    model_personal_data: bool  # the canonical model marks this field personal data
    conditions: tuple[Any, ...]  # the engine's Condition tests (``when``), all must hold
    note: str | None
    line: int

    @property
    def source_text(self) -> str:
        if isinstance(self.source, tuple):
            return ", ".join(self.source)
        return self.source or ""

    @property
    def transform_text(self) -> str:
        return transform_text(self.transform, self.params)

    @property
    def default_text(self) -> str:
        return _value(self.default) if self.has_default else ""

    @property
    def condition_text(self) -> str:
        return condition_text(self.conditions)

    @property
    def unflagged(self) -> bool:
        """Personal data by the canonical model, but the mapping does not say so."""
        return self.model_personal_data and not self.personal_data

    @property
    def personal_text(self) -> str:
        if self.personal_data:
            return "yes"
        return "yes (canonical model; not flagged in the mapping)" if self.unflagged else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "source": list(self.source) if isinstance(self.source, tuple) else self.source,
            "transform": self.transform,
            "params": self.params,
            "transform_text": self.transform_text,
            "default": self.default if self.has_default else None,
            "has_default": self.has_default,
            "required": self.required,
            "condition": [
                {"path": c.path, "test": c.test, "value": c.value} for c in self.conditions
            ]
            or None,
            "condition_text": self.condition_text,
            "personal_data": self.personal_data,
            "model_personal_data": self.model_personal_data,
            "note": self.note,
            "line": self.line,
        }


def _model_personal(mapping: Mapping) -> frozenset[str]:
    """Personal fields of the canonical record an in-mapping produces (none for out)."""
    if mapping.direction != "in":
        return frozenset()
    from hrhub.models import model_for, personal_fields

    try:
        return personal_fields(model_for(mapping.entity))
    except KeyError:
        return frozenset()


def field_views(mapping: Mapping) -> list[FieldView]:
    """Every field of a loaded mapping, in file order."""
    personal = _model_personal(mapping)
    return [_view(rule, personal) for rule in mapping.fields]


def _view(rule: FieldRule, personal: frozenset[str]) -> FieldView:
    return FieldView(
        target=rule.target,
        source=rule.source,
        transform=rule.transform,
        params=dict(rule.params),
        has_default=rule.has_default,
        default=rule.default,
        required=rule.required,
        personal_data=rule.personal_data,
        model_personal_data=rule.target.split(".")[0] in personal,
        conditions=tuple(getattr(rule, "when", ())),
        note=rule.note,
        line=rule.line,
    )


# --- the report ----------------------------------------------------------------------------


@dataclass
class FileReport:
    """One mapping file: loaded with its fields and approval, or the mistakes that stop it."""

    key: str
    path: Path
    mapping: Mapping | None
    fields: list[FieldView] = field(default_factory=list)
    approval: ApprovalState | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.key.replace("/", "-").replace(".", "-")

    def to_dict(self) -> dict[str, Any]:
        m = self.mapping
        return {
            "file": self.key,
            "path": str(self.path),
            "loads": m is not None,
            "problems": self.problems,
            "system": m.system if m else None,
            "entity": m.entity if m else None,
            "direction": m.direction if m else None,
            "description": m.description if m else None,
            "version": m.version if m else None,
            "approval": self.approval.to_dict() if self.approval else None,
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass
class MappingsReport:
    """Every mapping file under one folder, with approvals from one ledger."""

    root: str
    files: list[FileReport]
    ledger: str | None
    audit_intact: bool | None
    audit_entries: int | None
    audit_problem: str | None = None

    def counts(self) -> dict[str, int]:
        loaded = [f for f in self.files if f.mapping is not None]
        states = Counter(f.approval.status for f in loaded if f.approval)
        fields = [v for f in loaded for v in f.fields]
        return {
            "files": len(self.files),
            "broken": len(self.files) - len(loaded),
            "in": sum(1 for f in loaded if f.mapping and f.mapping.direction == "in"),
            "out": sum(1 for f in loaded if f.mapping and f.mapping.direction == "out"),
            "fields": len(fields),
            "personal_data_fields": sum(1 for v in fields if v.personal_data),
            "unflagged_personal_data": sum(1 for v in fields if v.unflagged),
            "approved": states["approved"],
            "changed": states["changed"],
            "revoked": states["revoked"],
            "never": states["never"],
        }

    def summary(self) -> list[str]:
        """The few sentences the terminal prints and the pages open with."""
        c = self.counts()
        lines = [
            f"{c['files']} mapping files under {self.root} ({c['in']} in, {c['out']} out), "
            f"{c['fields']} fields, {c['personal_data_fields']} of them personal data.",
        ]
        if self.ledger is not None:
            lines.append(
                f"Approvals ({self.ledger}): {c['approved']} approved, "
                f"{c['changed']} changed since their approval, {c['revoked']} revoked, "
                f"{c['never']} never approved."
            )
        if self.audit_intact is not None:
            lines.append(
                f"Audit log intact ({self.audit_entries} "
                f"{'entry' if self.audit_entries == 1 else 'entries'})."
                if self.audit_intact
                else f"AUDIT LOG BROKEN: {self.audit_problem} - approvals cannot be trusted."
            )
        if c["broken"]:
            names = ", ".join(f.key for f in self.files if f.mapping is None)
            lines.append(f"{c['broken']} files do not load: {names}.")
        if c["unflagged_personal_data"]:
            lines.append(
                f"{c['unflagged_personal_data']} fields the canonical model marks as personal "
                "data are not flagged personal_data in their mapping."
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "ledger": self.ledger,
            "audit_intact": self.audit_intact,
            "audit_entries": self.audit_entries,
            "audit_problem": self.audit_problem,
            "counts": self.counts(),
            "summary": self.summary(),
            "files": [f.to_dict() for f in self.files],
        }


def mapping_files(path: str | os.PathLike[str]) -> list[Path]:
    """The mapping files a path names: the file itself, or every ``*.yaml`` below a folder."""
    where = Path(path)
    if where.is_file():
        return [where]
    if not where.is_dir():
        raise FileNotFoundError(f"{where}: no such file or folder")
    return sorted(p for p in where.rglob("*.yaml") if p.is_file())


def build_report(path: str | os.PathLike[str], ledger: Ledger | None = None) -> MappingsReport:
    """Load every mapping file under ``path``; approvals from ``ledger`` when one is given."""
    log_ = ApprovalLog.read(ledger) if ledger is not None else None
    files = []
    for file in mapping_files(path):
        key = mapping_key(file)
        try:
            mapping = Mapping.load(file)
        except MappingFileError as exc:
            files.append(FileReport(key, file, None, problems=list(exc.problems)))
            continue
        approval = log_.state(key, mapping.version) if log_ is not None else None
        files.append(FileReport(key, file, mapping, field_views(mapping), approval))
    intact = entries = problem = None
    database = None
    if ledger is not None:
        check = ledger.verify_audit()
        intact, entries, problem = check.ok, check.checked, check.reason
        database = make_url(ledger.url).render_as_string(hide_password=True)
    return MappingsReport(str(path), files, database, intact, entries, problem)


# --- HTML ----------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
       sans-serif; color: #222; max-width: 1200px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.95em; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
dl.meta dt { font-weight: bold; } dl.meta dd { margin: 0; }
.approved { color: #2e7d32; font-weight: bold; }
.not-approved { color: #c62828; font-weight: bold; }
tr.personal td.pd { background: #fff4e5; } tr.unflagged td.pd { background: #fde2e2; }
.problems { border-left: 4px solid #c62828; padding-left: 1em; }
.note { color: #555; font-size: 0.9em; }
table.fields td:nth-child(8) { min-width: 22em; }
"""

COLUMNS = (
    "target",
    "source",
    "transform",
    "default",
    "required",
    "condition",
    "personal data",
    "note",
    "line",
)


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>" if text else ""


def _approval_html(state: ApprovalState | None) -> str:
    if state is None:
        return "(no ledger)"
    css = "approved" if state.ok else "not-approved"
    return f'<span class="{css}">{escape(state.describe())}</span>'


def _field_row(view: FieldView) -> str:
    css = "unflagged" if view.unflagged else "personal" if view.personal_data else ""
    cells = [
        _code(view.target),
        _code(view.source_text),
        _code(view.transform_text),
        _code(view.default_text),
        "yes" if view.required else "",
        _code(view.condition_text),
        escape(view.personal_text),
        escape(view.note or ""),
        str(view.line),
    ]
    tds = "".join(
        f'<td class="pd">{c}</td>' if name == "personal data" else f"<td>{c}</td>"
        for name, c in zip(COLUMNS, cells, strict=True)
    )
    return f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>"


def _file_section(file: FileReport) -> str:
    out = [f'<h2 id="{escape(file.anchor)}">{escape(file.key)}</h2>']
    m = file.mapping
    if m is None:
        items = "".join(f"<li>{escape(p)}</li>" for p in file.problems)
        out.append(f'<div class="problems"><p>This file does not load:</p><ul>{items}</ul></div>')
        return "\n".join(out)
    if m.description:
        out.append(f"<p>{escape(m.description)}</p>")
    meta = [
        ("system", escape(m.system)),
        ("entity", escape(m.entity)),
        ("direction", "in (system to canonical)" if m.direction == "in" else "out (to system)"),
        ("version", _code(m.version)),
        ("approval", _approval_html(file.approval)),
    ]
    out.append(
        '<dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta) + "</dl>"
    )
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    rows = "\n".join(_field_row(v) for v in file.fields)
    out.append(f'<table class="fields">\n<tr>{head}</tr>\n{rows}\n</table>')
    return "\n".join(out)


def _index_table(report: MappingsReport) -> str:
    rows = []
    for f in report.files:
        m = f.mapping
        link = f'<a href="#{escape(f.anchor)}">{escape(f.key)}</a>'
        if m is None:
            rows.append(f'<tr><td>{link}</td><td colspan="5">does not load</td></tr>')
            continue
        personal = sum(1 for v in f.fields if v.personal_data)
        rows.append(
            f"<tr><td>{link}</td><td>{escape(m.direction)}</td><td>{len(f.fields)}</td>"
            f"<td>{personal}</td><td>{_code(m.version)}</td>"
            f"<td>{_approval_html(f.approval)}</td></tr>"
        )
    head = "".join(
        f"<th>{c}</th>"
        for c in ("file", "direction", "fields", "personal data", "version", "approval")
    )
    return f"<table>\n<tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>"


def render_html(report: MappingsReport) -> str:
    """The report as one self-contained page: no script, no external asset."""
    title = "Field mappings"
    summary = "".join(f"<li>{escape(line)}</li>" for line in report.summary())
    body = [
        f"<h1>{title}</h1>",
        f"<ul>{summary}</ul>",
        '<p class="note">A version is the sha256 of the file\'s bytes: any edit makes a new '
        "version, which needs a new approval (hrhub mappings approve FILE --by NAME) before it "
        "writes in production. Personal data: the mapping flags it (kept out of error "
        "messages); a red cell is a field the canonical model marks as personal data that "
        "the mapping does not flag.</p>",
        _index_table(report),
        *(_file_section(f) for f in report.files),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --- Markdown ------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_code(text: str) -> str:
    return f"`{_md(text)}`" if text else ""


def render_markdown(report: MappingsReport) -> str:
    """The same report as Markdown (for a merge request or a wiki)."""
    out = ["# Field mappings", ""]
    out += [f"- {_md(line)}" for line in report.summary()]
    out += ["", "| file | direction | fields | version | approval |", "|---|---|---|---|---|"]
    for f in report.files:
        m = f.mapping
        if m is None:
            out.append(f"| {_md(f.key)} | | | | does not load |")
            continue
        state = f.approval.describe() if f.approval else "(no ledger)"
        out.append(
            f"| {_md(f.key)} | {m.direction} | {len(f.fields)} | {_md_code(m.version)} "
            f"| {_md(state)} |"
        )
    for f in report.files:
        out += ["", f"## {f.key}", ""]
        m = f.mapping
        if m is None:
            out.append("This file does not load:")
            out += [f"- {_md(p)}" for p in f.problems]
            continue
        if m.description:
            out += [_md(m.description), ""]
        state = f.approval.describe() if f.approval else "(no ledger)"
        out += [
            f"- system: {m.system}",
            f"- entity: {m.entity}",
            f"- direction: {m.direction}",
            f"- version: `{m.version}`",
            f"- approval: {_md(state)}",
            "",
            "| " + " | ".join(COLUMNS) + " |",
            "|" + "---|" * len(COLUMNS),
        ]
        for v in f.fields:
            cells = [
                _md_code(v.target),
                _md_code(v.source_text),
                _md_code(v.transform_text),
                _md_code(v.default_text),
                "yes" if v.required else "",
                _md_code(v.condition_text),
                _md(v.personal_text),
                _md(v.note or ""),
                str(v.line),
            ]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


# --- which mapping wrote this record -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WriteTrace:
    """One write of a record: where it went, with which mapping version, and its approval."""

    canonical_id: str
    target_system: str
    operation: str
    status: str
    remote_id: str | None
    written_at: datetime | None
    mapping_file: str
    mapping_version: str
    approved_then: ApprovalEvent | None  # the standing approval when it was written
    approval_now: ApprovalState
    last_error: str | None

    def describe(self) -> str:
        where = f"{self.target_system} {self.operation}"
        if self.written_at is None:
            head = f"{self.status} write to {where} (not written)"
        else:
            when = self.written_at.strftime("%Y-%m-%d %H:%M:%S UTC")
            head = f"written to {where} as {self.remote_id} on {when}"
        text = f"{head}, by mapping {self.mapping_file} version {self.mapping_version}"
        if self.written_at is not None:
            a = self.approved_then
            text += (
                f"; approved when written (by {a.by} on {a.when})"
                if a
                else "; NOT approved when written (development mode)"
            )
        return f"{text}; now {self.approval_now.describe()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "canonical_id": self.canonical_id,
            "target_system": self.target_system,
            "operation": self.operation,
            "status": self.status,
            "remote_id": self.remote_id,
            "written_at": self.written_at.isoformat() if self.written_at else None,
            "mapping_file": self.mapping_file,
            "mapping_version": self.mapping_version,
            "approved_when_written": self.approved_then.to_dict() if self.approved_then else None,
            "approval_now": self.approval_now.to_dict(),
            "last_error": self.last_error,
            "text": self.describe(),
        }


def trace_writes(ledger: Ledger, record_id: str) -> list[WriteTrace]:
    """Every write of a record (canonical id, or the remote id a target gave it), oldest first."""
    with Session(ledger.engine) as session:
        by_remote = session.exec(
            select(Receipt.idempotency_key).where(col(Receipt.remote_id) == record_id)
        ).all()
        items = list(
            session.exec(
                select(OutboxItem)
                .where(
                    or_(
                        col(OutboxItem.canonical_id) == record_id,
                        col(OutboxItem.idempotency_key).in_(list(by_remote)),
                    )
                )
                .order_by(col(OutboxItem.created_at), col(OutboxItem.idempotency_key))
            )
        )
        keys = [item.idempotency_key for item in items]
        receipts = {
            r.idempotency_key: r
            for r in session.exec(select(Receipt).where(col(Receipt.idempotency_key).in_(keys)))
        }
    log_ = ApprovalLog.read(ledger)
    traces = []
    for item in items:
        receipt = receipts.get(item.idempotency_key)
        key = out_mapping_key(item.target_system, item.entity)
        written_at = receipt.written_at if receipt else None
        approved_then = (
            log_.standing(key, at=written_at).get(item.mapping_version) if written_at else None
        )
        traces.append(
            WriteTrace(
                canonical_id=item.canonical_id,
                target_system=item.target_system,
                operation=item.entity,
                status=item.status,
                remote_id=receipt.remote_id if receipt else None,
                written_at=written_at,
                mapping_file=key,
                mapping_version=item.mapping_version,
                approved_then=approved_then,
                approval_now=log_.state(key, item.mapping_version),
                last_error=item.last_error,
            )
        )
    return traces
