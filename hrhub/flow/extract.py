"""extract: incremental pull of every registered source stream into the ledger.

For each (system, stream): read from the stored watermark (minus the stream's overlap window),
map each raw record to its canonical model, stage it (de-duplicated by key and modification
time), and advance the watermark only once every page is staged. A record that does not map or
validate goes to dead letters with a reason naming the record and the field; the rest go on.
So does a page entry that is no record at all: a value that is not an object, or the error a
client yields in place of one record it could not read (a `ConnectorError` naming it).

A client whose list call names each record's version before fetching it (`lists_versions`,
the interview room: one analysis call per session) is told which records the ledger already
holds at that version, so an incremental read does not fetch again what the overlap window
lists again; a changed record (a newer version) and one never staged are fetched as before.

A record of an erased candidate (the right to erasure: hrhub.erasure) is neither staged nor
dead-lettered: a source that still holds the person (SuccessFactors until a person purges
them) does not bring them back. Such records are counted as `erased`; the watermark moves past
them as past any other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from connectors._core.errors import ConnectorError
from connectors._core.registry import get_connector, registry
from hrhub.ledger import Ledger, StageInput
from hrhub.ledger.erasure import erased_among
from hrhub.mapping import MappingError, load_mapping
from hrhub.models import model_for

# How far ahead of this machine a source's clock may be (a data centre's local time read as
# UTC included) before a record's change time is taken for a broken one.
CLOCK_SKEW = timedelta(days=1)


@dataclass
class ExtractSummary:
    """What one stream's extraction did; travels through XCom, so only plain values."""

    system: str
    stream: str
    batch_id: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    dead_letters: int = 0
    watermark_before: str | None = None
    watermark_after: str | None = None
    staged: int = 0  # ids stay in the ledger under batch_id: memory must not grow with a run
    unchanged: int = 0  # listed at the version already staged, so not fetched (not in read)
    records: int | None = None  # distinct records read (rows can repeat one); full reads only
    erased: int = 0  # of an erased candidate: skipped, neither staged nor dead-lettered

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def planned_streams(
    systems: Iterable[str] | None = None, flavors: Mapping[str, str | None] | None = None
) -> list[dict[str, str]]:
    """Every (system, stream) the extract step reads, from the registry; `flavors` names the
    product each system's connection talks to (Yonyou NC or YonBIP), default the manifest's."""
    names = list(systems) if systems else list(registry())
    flavors = flavors or {}
    return [
        {"system": name, "stream": stream.name}
        for name in names
        for stream in get_connector(name).streams_for(flavors.get(name))
    ]


def extract_stream(
    system: str,
    stream: str,
    *,
    client: Any,
    ledger: Ledger,
    batch_id: str | None = None,
    full: bool = False,
) -> ExtractSummary:
    """Pull one stream through `client` (a connector client) into `ledger`.

    `full` reads the whole stream instead of what changed since the watermark: the daily
    reconciliation's re-read, which stages whatever the incremental reads missed (records
    with the same content are skipped, so it changes nothing else)."""
    spec = get_connector(system)
    stream_spec = spec.stream(stream)
    mapping = load_mapping(system, stream_spec.entity, "in", name=stream_spec.mapping_name)
    model = model_for(stream_spec.entity)
    summary = ExtractSummary(system, stream, batch_id or uuid.uuid4().hex)
    summary.watermark_before = ledger.get_watermark(system, stream)
    newest = summary.watermark_before
    # A full read is a reconciliation: it counts the distinct records the source holds (the
    # incremental reads keep no set of ids, so their memory stays flat).
    seen: set[str] | None = set() if full else None

    # A full read is the reconciliation's re-read of everything: it fetches every record.
    held = None if full else _held_versions(client, ledger, system, model)
    pages = client.read_stream(
        stream,
        since=None if full else summary.watermark_before,
        overlap_seconds=stream_spec.overlap_seconds,
        **({"unchanged": held} if held is not None else {}),
    )
    for number, page in enumerate(pages, 1):
        summary.read += len(page)
        staged: list[StageInput] = []
        letters: list[tuple[str, dict[str, Any], str, Exception]] = []
        for index, raw in enumerate(page):
            unreadable = _unreadable(system, stream, model, raw, number, index)
            if unreadable is not None:  # an entry that is no record: it alone waits
                letters.append(unreadable)
                if seen is not None:
                    seen.add(unreadable[0])
                continue
            record_id = model.make_canonical_id(system, str(raw.get(stream_spec.primary_key, "?")))
            try:
                canonical = model.model_validate(
                    {**mapping.apply(raw, record_id=record_id), "raw": raw}
                )
            except (MappingError, ValidationError) as exc:
                reason = (
                    _validation_reason(record_id, exc)
                    if isinstance(exc, ValidationError)
                    else str(exc)
                )
                letters.append((record_id, raw, reason, exc))
                if seen is not None:
                    seen.add(record_id)
                continue
            if seen is not None:  # the record as the hub keys it (rows can repeat one)
                seen.add(canonical.canonical_id)
            future = _from_the_future(record_id, canonical.modified_at)
            if future is not None:
                letters.append((record_id, raw, str(future), future))
                continue
            staged.append(
                StageInput(
                    canonical_id=canonical.canonical_id,
                    entity=stream_spec.entity,
                    source_system=system,
                    remote_id=canonical.remote_id,
                    modified_at=canonical.modified_at,
                    payload=canonical.model_dump(mode="json"),
                )
            )
            cursor = client.cursor_value(stream, raw)
            if cursor and (newest is None or cursor > newest):
                newest = cursor
        staged, letters = _without_erased(ledger, staged, letters, summary)
        for record_id, raw, reason, exc in letters:
            _dead_letter(ledger, system, stream_spec.entity, record_id, raw, reason, exc)
        summary.dead_letters += len(letters)
        result = ledger.stage(staged, batch_id=summary.batch_id)
        summary.inserted += result.inserted
        summary.updated += result.updated
        summary.skipped += result.skipped_stale + result.skipped_same
        summary.staged += len(staged)

    if held is not None:
        summary.unchanged = held.count
        # Records not fetched are staged at the version listed: the cursor may pass them.
        if held.newest and (newest is None or held.newest > newest):
            newest = held.newest
    # The watermark moves only after every page is staged: a failure above leaves it where it
    # was, and the next run re-reads the window (staging is idempotent).
    ledger.commit_batch(system, stream, [], newest, summary.batch_id)
    summary.watermark_after = ledger.get_watermark(system, stream)
    if seen is not None:
        summary.records = len(seen)
    return summary


def _without_erased(
    ledger: Ledger,
    staged: list[StageInput],
    letters: list[tuple[str, dict[str, Any], str, Exception]],
    summary: ExtractSummary,
) -> tuple[list[StageInput], list[tuple[str, dict[str, Any], str, Exception]]]:
    """A page's records and letters less those of erased candidates (a record's own id, or
    the candidate it names): one indexed read of the tombstones per page."""
    ids = {s.canonical_id for s in staged} | {record_id for record_id, *_ in letters}
    ids |= {str(s.payload.get("candidate_id") or "") for s in staged}
    erased = erased_among(ledger, ids)
    if not erased:
        return staged, letters
    kept = [
        s
        for s in staged
        if s.canonical_id not in erased and s.payload.get("candidate_id") not in erased
    ]
    kept_letters = [letter for letter in letters if letter[0] not in erased]
    summary.erased += len(staged) - len(kept) + len(letters) - len(kept_letters)
    return kept, kept_letters


class _HeldVersions:
    """`unchanged` for a client's read_stream: of a page's {remote id: version (the listed
    cursor, an ISO 8601 modification time)}, the ids the ledger holds at that version or a
    later one. Staging would skip those anyway; an unparseable version is fetched."""

    def __init__(self, ledger: Ledger, system: str, model: Any) -> None:
        self.ledger = ledger
        self.system = system
        self.model = model
        self.count = 0
        self.newest: str | None = None  # the latest version among those not fetched

    def __call__(self, versions: Mapping[str, str]) -> set[str]:
        ids = {rid: self.model.make_canonical_id(self.system, rid) for rid in versions}
        staged = self.ledger.staged_versions(ids.values())
        held = set()
        for remote_id, version in versions.items():
            at = staged.get(ids[remote_id])
            listed = _as_time(version)
            if at is not None and listed is not None and at >= listed:
                held.add(remote_id)
                if self.newest is None or version > self.newest:
                    self.newest = version
        self.count += len(held)
        return held


def _held_versions(client: Any, ledger: Ledger, system: str, model: Any) -> _HeldVersions | None:
    """The `unchanged` check, for a client that lists versions before fetching."""
    if getattr(client, "lists_versions", False) is not True:
        return None
    return _HeldVersions(ledger, system, model)


def _as_time(value: str) -> datetime | None:
    """An aware ISO 8601 time, or None (then the record is fetched)."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


class UnreadableRecord(ValueError):
    """A page entry that is not a record (a string, a list, null where an object belongs);
    its `field` is "(record)": the whole entry is wrong."""

    field = "(record)"


def _unreadable(
    system: str, stream: str, model: Any, raw: Any, page: int, index: int
) -> tuple[str, Any, str, Exception] | None:
    """(record id, payload, reason, error) of a page entry that cannot be mapped at all: the
    error a client yields in place of one record it could not read (a `ConnectorError` with
    its record id), or a value that is not an object. None for an object: the mapping judges."""
    if isinstance(raw, ConnectorError):
        record_id = model.make_canonical_id(system, raw.record_id or "?")
        field = raw.field or "(record)"
        return record_id, {}, f"record {record_id} field {field!r}: {raw}", raw
    if isinstance(raw, Mapping):
        return None
    record_id = model.make_canonical_id(system, "?")
    reason = (
        f"record {record_id} field '(record)': entry {index + 1} of page {page} of {stream} is "
        f"a {type(raw).__name__}, not an object: {str(raw)[:80]!r}"
    )
    return record_id, raw, reason, UnreadableRecord(reason)


class RecordFromTheFuture(ValueError):
    """A record changed later than now (beyond any clock skew): staged, it would carry the
    stream's watermark past every real change until that date."""

    field = "modified_at"


def _from_the_future(record_id: str, modified_at: datetime) -> RecordFromTheFuture | None:
    limit = datetime.now(UTC) + CLOCK_SKEW
    if modified_at <= limit:
        return None
    return RecordFromTheFuture(
        f"record {record_id} field 'modified_at': {modified_at.isoformat()} is in the future "
        f"(more than {CLOCK_SKEW} ahead of this machine's clock); staged, it would move the "
        "stream's watermark past every change until then"
    )


def _validation_reason(record_id: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    return f"record {record_id} field {_invalid_field(exc) or '(record)'!r}: {first['msg']}"


def _invalid_field(exc: ValidationError) -> str | None:
    """The canonical field of the first validation error (emails.0), None for the record."""
    return ".".join(str(part) for part in exc.errors()[0]["loc"]) or None


def _blamed_field(exc: Exception) -> str | None:
    """The field a dead letter names, so the dead-letter page and export can filter by it."""
    if isinstance(exc, ValidationError):
        return _invalid_field(exc)
    return getattr(exc, "field", None)


def _dead_letter(
    ledger: Ledger,
    system: str,
    entity: str,
    record_id: str,
    raw: Any,
    reason: str,
    exc: Exception,
) -> None:
    ledger.dead_letter(
        system=system,
        entity=entity,
        record_id=record_id,
        reason=reason,
        payload=raw,
        field=_blamed_field(exc),
        error_class=type(exc).__name__,
    )
