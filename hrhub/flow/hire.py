"""hire: a hire in the source system becomes a pre-hire in the eHR, DingTalk and attendance.

Whether an application is hired is its own system's word, never the hub's flow stage:

- its `remote_status` names the hire (HIRED_STATUSES: Hired, 已录用), for a source whose status
  says so;
- a SuccessFactors application is hired when its record carries a `hireDate` and its status
  does not end it (NOT_HIRED_STATUSES: Disqualified, Withdraw). SuccessFactors' system status
  (`status`, staged as remote_status) stays Open for a hire: the hire is the requisition's
  "Hired" pipeline step (`appStatusSetItemId`, whose name the application record does not
  hold), and that step is where the recruiter sets the application's hireDate, the new hire's
  first working day. The canonical Application has no field for it, so it is read from the
  staged source record (`raw`), one entry of HIRE_DATES per source.

For each hired application not yet at stage `hired` the step builds one pre-hire, canonical
`PreHire` fields under the id `hrhub:pre_hire:<source>-<application remote id>` (the same on
every run), from the staged records:

- name, mobile (the first phone), email (the first), id number: the candidate;
- planned entry date: the hire date, as a day in China time (DEFAULT_TIMEZONE);
- department, position (the title) and probation attendance rules: the job;
- employee code: the one the eHR (Yonyou, staged as employees) has for the same id number,
  when it already holds the person (a rehire, an internal move); else none, and the
  attendance write, which is keyed by it, is a dead letter naming `emp_code`.

It goes to the outbox for three targets: the eHR's pre-hire person (`nc_pre_hire` or
`bip_pre_hire`, by the product of the Yonyou connection), DingTalk's smart-HR pre-entry
(`pre_entry`) and the attendance system's employee with the job's probation rules
(`upsert_employee`). Nothing is made up: a field a target needs that the sources do not hold
makes that target's write a dead letter naming the field (its out-mapping's `required`), and
the other writes go. A target the hub has no pre-hire operation for (no Yonyou product given)
is skipped and counted. Then the application moves to `hired`, so a rerun queues nothing (and
should a changed application come back, the outbox keeps one write per payload). A hired
application whose candidate or job is not staged waits where it is, counted, for the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from connectors._core.registry import get_connector
from hrhub.flow.push import enqueue_writes
from hrhub.ledger import Ledger, StagedRecord
from hrhub.mapping import TransformError
from hrhub.mapping.transforms import sf_date
from hrhub.models import DEFAULT_TIMEZONE, Application, PreHire, Stage

__all__ = [
    "HIRED_STATUSES",
    "PRE_HIRE_OPERATIONS",
    "HireSummary",
    "hire_date",
    "is_hired",
    "onboard_hires",
]

EHR = "yonyou"
# The eHR operation that creates a pre-hire person, per product of the Yonyou connection.
PRE_HIRE_OPERATIONS = {"nc": "nc_pre_hire", "bip": "bip_pre_hire"}
OTHER_TARGETS = (("dingtalk", "pre_entry"), ("attendance", "upsert_employee"))
HIRED_STATUSES = frozenset({"hired", "已录用"})  # compared case-folded
# Statuses that end an application without a hire, whatever dates it carries.
NOT_HIRED_STATUSES = frozenset({"disqualified", "withdraw", "withdrawn", "rejected"})


# Where a source keeps an application's hire date (the first working day) in its own record,
# and how to read it: SuccessFactors' JobApplication.hireDate, an OData /Date(ms)/.
HIRE_DATES: dict[str, tuple[str, Callable[[Any], datetime]]] = {
    "successfactors": ("hireDate", sf_date),
}


@dataclass
class HireSummary:
    """What one run did; travels through XCom, so only plain values."""

    hires: int = 0  # hired applications turned into pre-hires (and moved to `hired`)
    queued: dict[str, int] = field(default_factory=dict)  # writes queued, per target system
    dead_letters: int = 0  # writes a target cannot take: a field it needs is missing or bad
    skipped: dict[str, int] = field(default_factory=dict)  # no pre-hire operation: not sent
    waiting: int = 0  # hired, but the candidate or the job is not staged yet: next run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def onboard_hires(
    ledger: Ledger,
    *,
    yonyou_flavor: str | None,
    now: datetime | None = None,
    chunk_size: int = 500,
) -> HireSummary:
    """Queue a pre-hire for every newly hired application (see the module docstring)."""
    now = now or datetime.now(UTC)
    targets, skipped = _targets(yonyou_flavor)
    summary = HireSummary(queued={system: 0 for system, _ in targets})
    hired = (
        record
        for record in ledger.iter_staged(Application.entity)
        if record.stage != Stage.HIRED.value and is_hired(record)
    )
    codes = _EmployeeCodes(ledger)
    while chunk := list(islice(hired, chunk_size)):
        _onboard_chunk(ledger, chunk, targets, codes, now, summary)
    summary.skipped = {system: summary.hires for system in skipped}
    return summary


def is_hired(application: StagedRecord) -> bool:
    """Whether the application's own system says it is hired (see the module docstring)."""
    status = str(application.payload.get("remote_status") or "").strip().casefold()
    if status in HIRED_STATUSES:
        return True
    if status in NOT_HIRED_STATUSES or application.source_system not in HIRE_DATES:
        return False
    name, _ = HIRE_DATES[application.source_system]
    return _raw(application).get(name) not in (None, "")


def hire_date(application: StagedRecord, timezone: str = DEFAULT_TIMEZONE) -> date | None:
    """The new hire's first working day as its source records it, or None (unknown, or not
    readable: the writes that need it say so)."""
    source = HIRE_DATES.get(application.source_system)
    value = _raw(application).get(source[0]) if source else None
    if source is None or value in (None, ""):
        return None
    try:
        return source[1](value).astimezone(ZoneInfo(timezone)).date()
    except TransformError:
        return None


def _raw(record: StagedRecord) -> Mapping[str, Any]:
    raw = record.payload.get("raw")
    return raw if isinstance(raw, Mapping) else {}


def _targets(flavor: str | None) -> tuple[list[tuple[str, str]], list[str]]:
    """(system, operation) pairs to write, and the systems without a pre-hire operation."""
    yonyou = PRE_HIRE_OPERATIONS.get(flavor or "")
    if yonyou is not None and get_connector(EHR).has_operation(yonyou):
        return [(EHR, yonyou), *OTHER_TARGETS], []
    return list(OTHER_TARGETS), [EHR]


def _onboard_chunk(
    ledger: Ledger,
    applications: list[StagedRecord],
    targets: list[tuple[str, str]],
    codes: _EmployeeCodes,
    now: datetime,
    summary: HireSummary,
) -> None:
    candidates = _by_id(ledger, (str(a.payload.get("candidate_id")) for a in applications))
    jobs = _by_id(ledger, (str(a.payload.get("job_id")) for a in applications))
    pre_hires, onboarded = [], []
    for application in applications:
        candidate = candidates.get(str(application.payload.get("candidate_id")))
        job = jobs.get(str(application.payload.get("job_id")))
        if candidate is None or job is None:
            summary.waiting += 1
            continue
        pre_hires.append(_pre_hire(application, candidate, job, codes, now))
        onboarded.append(application.canonical_id)
    for system, operation in targets:
        queued = enqueue_writes(system, operation, pre_hires, ledger=ledger)
        summary.queued[system] += queued.queued
        summary.dead_letters += queued.dead_letters
    ledger.set_stage(onboarded, Stage.HIRED.value)
    summary.hires += len(onboarded)


def _pre_hire(
    application: StagedRecord,
    candidate: StagedRecord,
    job: StagedRecord,
    codes: _EmployeeCodes,
    now: datetime,
) -> dict[str, Any]:
    """The canonical pre-hire (PreHire's fields), what the sources hold and nothing else."""
    person, post = candidate.payload, job.payload
    remote_id = f"{application.source_system}-{application.remote_id}"
    start = hire_date(application)
    return {
        "canonical_id": PreHire.make_canonical_id("hrhub", remote_id),
        "source_system": "hrhub",
        "remote_id": remote_id,
        "modified_at": now.isoformat(),
        "candidate_id": candidate.canonical_id,
        "application_id": application.canonical_id,
        "name": person.get("name"),
        "mobile": _first(person.get("phones")),
        "email": _first(person.get("emails")),
        "id_number": person.get("id_number"),
        "planned_entry_date": start.isoformat() if start else None,
        "department": post.get("department"),
        "position": post.get("title"),
        "employee_code": codes.get(person.get("id_number")),
        "probation_attendance_rule_ids": list(post.get("probation_attendance_rule_ids") or []),
    }


class _EmployeeCodes:
    """The eHR's employee codes by id number, read once (two fields in SQL) when first asked."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.codes: dict[str, str] | None = None

    def get(self, id_number: Any) -> str | None:
        if not id_number:
            return None
        if self.codes is None:
            rows = self.ledger.staged_fields(
                "employee", ["id_number", "employee_code"], where={"source_system": EHR}
            )
            self.codes = {_id_key(n): str(code) for n, code in rows if n and code}
        return self.codes.get(_id_key(id_number))


def _id_key(id_number: Any) -> str:
    return str(id_number).strip().upper()  # a resident id's check character may be x or X


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, list) and values else None


def _by_id(ledger: Ledger, ids: Iterable[str]) -> dict[str, StagedRecord]:
    return {r.canonical_id: r for r in ledger.get_records(ids)}
