"""Reconcile the systems with the hub: nothing lost on the way in or out, nothing written twice.

Sources (`reconcile_extract`): `lost` counts records the source holds that the hub has neither
staged nor dead-lettered; the guarantee of DESIGN.md ("a record either lands or sits in dead
letters") means it must be 0. The source side counts what the hub keys as one record. Usually
that is a row (`count_stream`); a simulator whose rows can repeat one record (the attendance
system's punches, recorded by two terminals or uploaded twice, staged as one event) says how
many distinct records it holds with `count_entities`.

Targets (`reconcile_targets`): every write the outbox owes is landed (a receipt), in dead
letters, or still queued; `lost` counts the rest and must be 0. `duplicates` counts records a
target holds more than once for one hub write, read from the running simulator's stored rows
(`server.rows(table)`) by the operation's business key; where a target cannot tell, the row
says so (None, with a note) instead of claiming 0.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors._core.registry import get_connector
from hrhub.ledger import Ledger
from hrhub.ledger.erasure import erased_remote_ids
from hrhub.sandbox import SandboxSystem

Key = tuple[str, ...]
KeyOf = Callable[[Mapping[str, Any]], Key | None]


def reconcile_extract(
    systems: Iterable[SandboxSystem], ledger: Ledger | None = None
) -> list[dict[str, Any]]:
    """One row per (system, stream): source count, staged, dead letters, lost."""
    ledger = ledger or Ledger.open()
    rows = []
    for system in systems:
        for stream in get_connector(system.system).streams_for(system.flavor):
            count = getattr(system.server, "count_entities", system.server.count_stream)
            rows.append(source_row(system.system, stream.name, count(stream.name), ledger))
    return rows


def source_row(system: str, stream: str, source: int, ledger: Ledger) -> dict[str, Any]:
    """One source stream's row: `source` records the system holds against what the ledger
    staged or dead-lettered of it; `lost` is the rest."""
    entity = get_connector(system).stream(stream).entity
    staged = ledger.staged_remote_ids(system, entity)
    # Dead letters are keyed by canonical id, "<system>:<entity>:<remote id>".
    dead = {
        record_id.split(":", 2)[-1] for record_id in ledger.open_dead_letter_ids(system, entity)
    }
    # Erased candidates a source still holds (until a person purges them there) are not lost.
    erased = erased_remote_ids(ledger, system, entity)
    return {
        "system": system,
        "stream": stream,
        "source": source,
        "staged": len(staged),
        "dead_letters": len(dead - staged),
        "erased": len(erased - staged - dead),
        "lost": max(0, source - len(staged | dead | erased)),
    }


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class KeyCheck:
    """How one table of a target is matched to the hub's writes to find duplicates.

    `write_scope` (from a hub payload) and `row_scope` (from a stored row) name the same
    record; only stored rows in a scope some hub write has are looked at, so seed data and
    other integrations' history are not blamed on the hub. Those rows are grouped by
    `row_key` (default: the scope) and every row beyond the first of a group is a duplicate.
    """

    table: str
    row_scope: KeyOf
    write_scope: KeyOf
    what: str
    row_key: KeyOf | None = None


def fields(*names: str) -> KeyOf:
    """Key of a record: these top-level fields as text; None when one is missing."""

    def key(record: Mapping[str, Any]) -> Key | None:
        values = [record.get(name) for name in names]
        if any(value is None or value == "" for value in values):
            return None
        return tuple(str(value) for value in values)

    return key


def mobile(name: str) -> KeyOf:
    """A mainland mobile as its 11 digits, whatever prefix (+86-, 86) it was written with."""

    def key(record: Mapping[str, Any]) -> Key | None:
        digits = re.sub(r"\D", "", str(record.get(name) or ""))
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return (digits,) if digits else None

    return key


KEY_CHECKS: dict[tuple[str, str], tuple[KeyCheck, ...]] = {
    ("successfactors", "application_status"): (
        KeyCheck(
            "JobApplication",
            fields("applicationId"),
            fields("applicationId"),
            "JobApplication rows per applicationId (an upsert by key, counted anyway)",
        ),
    ),
    ("successfactors", "application_interview"): (
        KeyCheck(
            "JobApplicationInterview",
            fields("source"),
            fields("source"),
            "JobApplicationInterview rows per source (the hub interview's id)",
        ),
    ),
    ("successfactors", "comment"): (
        KeyCheck(
            "JobApplicationComments",
            fields("applicationId", "content"),
            fields("applicationId", "content"),
            "JobApplicationComments rows per (applicationId, content)",
        ),
    ),
    ("interview_room", "create_orders"): (
        KeyCheck("orders", fields("external_id"), fields("external_id"), "orders per external_id"),
    ),
    ("dingtalk", "pre_entry"): (
        KeyCheck("preentries", mobile("mobile"), mobile("mobile"), "pre-entries per mobile"),
    ),
    ("attendance", "upsert_employee"): (
        KeyCheck("employees", fields("emp_code"), fields("emp_code"), "employees per emp_code"),
        KeyCheck(
            "schedules",
            fields("emp_code"),
            fields("emp_code"),
            "schedules per (emp_code, shift, group, dates)",
            row_key=fields("emp_code", "shift_id", "start_date", "end_date", "group_id"),
        ),
    ),
    ("yonyou", "nc_pre_hire"): (
        KeyCheck("persons", fields("id_number"), fields("id"), "persons per id number"),
    ),
    ("yonyou", "bip_pre_hire"): (
        KeyCheck("persons", fields("id_number"), fields("certNo"), "persons per id number"),
    ),
    ("yonyou", "nc_interview_result"): (
        KeyCheck("interview_results", fields("bill_id"), fields("bill_id"), "results per bill id"),
    ),
    ("yonyou", "bip_interview_result"): (
        KeyCheck("interview_results", fields("bill_id"), fields("code"), "results per code"),
    ),
    ("yonyou", "nc_checkin"): (
        KeyCheck("checkins", fields("bill_id"), fields("bill_id"), "check-ins per bill id"),
    ),
    ("yonyou", "bip_checkin"): (
        KeyCheck("checkins", fields("bill_id"), fields("code"), "check-ins per code"),
    ),
    ("yonyou", "bip_requisition"): (
        KeyCheck("requisitions", fields("code"), fields("code"), "requisitions per code"),
    ),
}

NOTIFICATIONS = ("dingtalk", "work_notification")
ASSESSMENTS = ("successfactors", "interview_assessment")
ASSESSMENTS_NOTE = (
    "InterviewOverallAssessment rows per (interview, type), the interview found through its "
    "JobApplicationInterview's source (the hub interview's id the write named)"
)
NOTIFICATIONS_NOTE = (
    "messages delivered per (userid, identical content) beyond the hub's landed writes of that "
    "content (DingTalk itself drops a repeat within a day)"
)
UNTELLABLE = {
    ("dingtalk", "robot_notice"): (
        "custom-robot messages carry no id to match a write by and are documented as at least "
        "once: duplicates cannot be told"
    ),
}


def reconcile_targets(
    systems: Iterable[SandboxSystem], ledger: Ledger | None = None
) -> list[dict[str, Any]]:
    """One row per (target system, operation): writes owed (distinct outbox items), landed,
    dead_letters, pending (queued or in flight), lost (owed and none of those: must be 0),
    duplicates (records the target holds more than once for one hub write; None where the
    target cannot tell) and a note saying what was counted."""
    ledger = ledger or Ledger.open()
    tallies = {(t["target_system"], t["operation"]): t for t in ledger.write_tallies()}
    rows = []
    for system in systems:
        for operation in _operations(system, tallies):
            tally = tallies.get((system.system, operation), {})
            owed, landed = tally.get("owed", 0), tally.get("landed", 0)
            dead, pending = tally.get("dead_letters", 0), tally.get("pending", 0)
            duplicates, note = _duplicates(system, operation, ledger)
            rows.append(
                {
                    "system": system.system,
                    "operation": operation,
                    "owed": owed,
                    "landed": landed,
                    "dead_letters": dead,
                    "pending": pending,
                    "lost": owed - landed - dead - pending,
                    "duplicates": duplicates,
                    "note": note,
                }
            )
    return rows


def reconcile(systems: Iterable[SandboxSystem], ledger: Ledger | None = None) -> dict[str, Any]:
    """Sources and targets together, with the totals a run is judged by: `lost` and
    `duplicates` (both must be 0; duplicates over the operations that can tell),
    `dead_letters`, and `unchecked`: operations with writes whose duplicates cannot be told."""
    systems = list(systems)
    ledger = ledger or Ledger.open()
    sources = reconcile_extract(systems, ledger)
    targets = reconcile_targets(systems, ledger)
    return {
        "sources": sources,
        "targets": targets,
        "lost": sum(r["lost"] for r in sources) + sum(r["lost"] for r in targets),
        "duplicates": sum(r["duplicates"] or 0 for r in targets),
        "dead_letters": sum(r["dead_letters"] for r in sources)
        + sum(r["dead_letters"] for r in targets),
        "unchecked": [
            f"{r['system']}.{r['operation']}"
            for r in targets
            if r["duplicates"] is None and r["owed"]
        ],
    }


def _operations(system: SandboxSystem, tallies: Mapping[tuple[str, str], Any]) -> list[str]:
    """The operations of the system's product (manifest order), then any other it was owed."""
    spec = get_connector(system.system)
    flavor = system.flavor or spec.default_flavor
    names = [
        op["name"]
        for op in spec.manifest.get("operations", [])
        if op.get("flavor") in (None, flavor)
    ]
    names += sorted(op for target, op in tallies if target == system.system and op not in names)
    return names


def _duplicates(system: SandboxSystem, operation: str, ledger: Ledger) -> tuple[int | None, str]:
    key = (system.system, operation)
    if key in UNTELLABLE:
        return None, UNTELLABLE[key]
    if not callable(getattr(system.server, "rows", None)):
        return None, f"the {system.system} simulator cannot list what it stored"
    if key == NOTIFICATIONS:
        return _message_duplicates(system.server, ledger), NOTIFICATIONS_NOTE
    if key == ASSESSMENTS:
        return _assessment_duplicates(system.server, ledger), ASSESSMENTS_NOTE
    checks = KEY_CHECKS.get(key)
    if not checks:
        return None, f"hrhub has no duplicate check for {system.system}.{operation}"
    found = sum(_key_duplicates(system.server, check, key, ledger) for check in checks)
    return found, "; ".join(check.what for check in checks)


def _key_duplicates(
    server: Any, check: KeyCheck, operation: tuple[str, str], ledger: Ledger
) -> int:
    """Rows beyond the first per key, among the rows of a scope the hub wrote."""
    written = {
        _fingerprint(scope)
        for item, _ in ledger.iter_writes(*operation)
        if (scope := check.write_scope(item.payload)) is not None
    }
    row_key = check.row_key or check.row_scope
    stored: Counter[bytes] = Counter()
    for row in server.rows(check.table):
        scope, key = check.row_scope(row), row_key(row)
        if scope is not None and key is not None and _fingerprint(scope) in written:
            stored[_fingerprint(key)] += 1
    return sum(n - 1 for n in stored.values() if n > 1)


def _message_duplicates(server: Any, ledger: Ledger) -> int:
    """Work notifications one person got more often than the hub's landed writes say.

    A landed write's receipt names the send task (`<task id>:<userid>`), and the task its
    content: a write DingTalk settled as "already delivered today" points at a task with the
    same content, so each landed write counts once for its (userid, content).
    """
    content_of: dict[str, str] = {}
    delivered: Counter[tuple[str, bytes]] = Counter()
    for task in server.rows("tasks"):
        digest = _fingerprint((task["content"],))
        content_of[str(task["task_id"])] = task["content"]
        for userid in task["delivered"]:
            delivered[(str(userid), digest)] += 1
    owed: Counter[tuple[str, bytes]] = Counter()
    for _, receipt in ledger.iter_writes(*NOTIFICATIONS):
        if receipt is None:
            continue
        task_id, _, userid = receipt.remote_id.partition(":")
        if task_id in content_of and userid:
            owed[(userid, _fingerprint((content_of[task_id],)))] += 1
    return sum(max(0, delivered[key] - n) for key, n in owed.items())


def _assessment_duplicates(server: Any, ledger: Ledger) -> int:
    """Assessments beyond the first per (interview, type) on the interviews the hub wrote to.

    The hub's write names its interview by the hub id (`interviewSource`); SuccessFactors
    stores the interview's own key (`interviewRefId`), whose JobApplicationInterview carries
    the hub id as its `source`.
    """
    sources = {
        str(item.payload["interviewSource"])
        for item, _ in ledger.iter_writes(*ASSESSMENTS)
        if item.payload.get("interviewSource")
    }
    ours = {
        str(row["applicationInterviewId"])
        for row in server.rows("JobApplicationInterview")
        if str(row.get("source")) in sources
    }
    stored: Counter[tuple[str, str]] = Counter(
        (str(row["interviewRefId"]), str(row.get("type")))
        for row in server.rows("InterviewOverallAssessment")
        if str(row.get("interviewRefId")) in ours
    )
    return sum(n - 1 for n in stored.values() if n > 1)


def _fingerprint(key: Key) -> bytes:
    """A short digest of a key, so 100,000 long keys (comment texts) stay small in memory."""
    return hashlib.blake2b(repr(key).encode("utf-8"), digest_size=16).digest()
