"""Which ledger columns are sealed, and the ORM events that seal them on flush and unseal
them on load.

- `StagedRecord.payload` is a canonical record: each sensitive value of its entity is sealed
  (`Sealer.seal`), every other field stays readable and indexable in SQL.
- `OutboxItem.payload`, `DeadLetter.payload` and each held write's payload in
  `ReviewHold.writes` are shaped by a target or source system, under its own field names: sealed
  whole when what they carry is an entity with sensitive fields (`carries_sensitive`).
- `ReviewHold.result` and `final_result` are interview results, sealed like a staged one.

Every ORM load (the Ledger's reads, the web pages', any session's) unseals, and every ORM
insert or update seals the sealed columns it writes, so an instance always holds plaintext
and the database never does. What bypasses the ORM's unit of work is the caller's to seal:
`Ledger.stage` inserts its rows in bulk and seals them itself (`sealed_payload`), and a Core
read of a sealed column (``select(DeadLetter.payload)``) sees the sealed form: read the
entity (``select(DeadLetter)``) instead.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, QueryContext
from sqlalchemy.orm.attributes import set_committed_value

from hrhub.ledger.sealing import Sealer, default_sealer, has_sensitive_fields
from hrhub.ledger.tables import DeadLetter, OutboxItem, ReviewHold, StagedRecord
from hrhub.models import CANONICAL_MODELS, InterviewResult

__all__ = ["carries_sensitive", "install", "sealed_payload", "sealer_for", "use_sealer"]

_SEALERS: weakref.WeakKeyDictionary[Any, Sealer] = weakref.WeakKeyDictionary()
_PLAIN = "hrhub.ledger.plaintext"  # InstanceState.info: {column: (plaintext, sealed)}
Row = StagedRecord | OutboxItem | DeadLetter | ReviewHold
Change = Callable[..., Any]


def use_sealer(engine: Any, sealer: Sealer) -> None:
    """Seal and unseal the rows of sessions bound to `engine` with `sealer`."""
    _SEALERS[engine] = sealer


def sealer_for(bind: Any) -> Sealer:
    """The sealer of an engine or connection; the process's default for any other."""
    try:
        return _SEALERS[getattr(bind, "engine", bind)]
    except (KeyError, TypeError):
        return default_sealer()


@cache
def carries_sensitive(system: str, name: str) -> bool:
    """Whether a payload filed under `name` (a canonical entity, or an operation of `system`)
    can hold sensitive values. An operation's entity is its connector manifest's to say; an
    operation no manifest names is taken as sensitive (sealing too much is the safe side)."""
    if name in CANONICAL_MODELS:
        return has_sensitive_fields(name)
    from connectors._core.errors import ConfigError  # lazily: the ledger imports no connector
    from connectors._core.registry import get_connector

    try:
        entity = get_connector(system).operation(name).get("entity")
    except ConfigError:
        return True
    if isinstance(entity, str) and entity in CANONICAL_MODELS:
        return has_sensitive_fields(entity)
    return True


def sealed_payload(sealer: Sealer, entity: str, payload: Any) -> Any:
    """A staged record's payload as it is stored (for inserts that bypass the ORM)."""
    return sealer.seal(entity, payload)


def _result_entity(result_id: str) -> str:
    """The entity a held result's canonical id names (``system:entity:remote``)."""
    parts = result_id.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[1] in CANONICAL_MODELS else InterviewResult.entity


def _columns(sealer: Sealer, row: Row, seal: bool, only: frozenset[str] | None) -> dict[str, Any]:
    """New values of the row's sealed columns (those in `only`, if given): sealed when
    `seal`, else unsealed; a column with nothing to change is left out."""

    def wanted(name: str) -> bool:
        return only is None or name in only

    def record(entity: str, value: Any, record_id: str) -> Any:
        if seal:
            return sealer.seal(entity, value)
        return sealer.unseal(entity, value, record_id=record_id)

    def whole(value: Any, entity: str, record_id: str, field: str) -> Any:
        if seal:
            return sealer.seal_whole(value)
        return sealer.unseal_whole(value, entity=entity, record_id=record_id, field=field)

    found: dict[str, Any] = {}
    if isinstance(row, StagedRecord):
        if wanted("payload") and row.payload is not None:
            found["payload"] = record(row.entity, row.payload, row.canonical_id)
    elif isinstance(row, OutboxItem | DeadLetter):
        system = row.target_system if isinstance(row, OutboxItem) else row.system
        record_id = row.canonical_id if isinstance(row, OutboxItem) else row.record_id
        if wanted("payload") and row.payload is not None and carries_sensitive(system, row.entity):
            found["payload"] = whole(row.payload, row.entity, record_id, "payload")
    elif isinstance(row, ReviewHold):
        entity = _result_entity(row.result_id)
        for name in ("result", "final_result"):
            value = getattr(row, name)
            if wanted(name) and value is not None:
                found[name] = record(entity, value, row.result_id)
        if wanted("writes") and row.writes:
            writes = [
                _write(write, f"writes[{i}].payload", row.result_id, whole)
                for i, write in enumerate(row.writes)
            ]
            if any(new is not old for new, old in zip(writes, row.writes, strict=True)):
                found["writes"] = writes
    return {name: value for name, value in found.items() if value is not getattr(row, name)}


def _write(write: Any, field: str, result_id: str, whole: Change) -> Any:
    """A held write (target_system, operation, canonical_id, payload, mapping_version) with
    its payload sealed or unsealed whole."""
    if not isinstance(write, dict) or write.get("payload") is None:
        return write
    system, operation = str(write.get("target_system")), str(write.get("operation"))
    if not carries_sensitive(system, operation):
        return write
    return {**write, "payload": whole(write["payload"], operation, result_id, field)}


# --------------------------------------------------------------------------- ORM events


def _on_load(row: Row, context: QueryContext) -> None:
    sealer = sealer_for(context.session.get_bind())
    for name, value in _columns(sealer, row, False, None).items():
        set_committed_value(row, name, value)


def _on_refresh(row: Row, context: QueryContext, attrs: Any) -> None:
    only = None if attrs is None else frozenset(attrs)
    sealer = sealer_for(context.session.get_bind())
    for name, value in _columns(sealer, row, False, only).items():
        set_committed_value(row, name, value)


def _before_insert(_mapper: Mapper[Any], connection: Any, row: Row) -> None:
    _seal_for_flush(connection, row, None)


def _before_update(_mapper: Mapper[Any], connection: Any, row: Row) -> None:
    state = inspect(row)
    changed = frozenset(
        name for name in _SEALED_COLUMNS[type(row)] if state.attrs[name].history.has_changes()
    )
    if changed:
        _seal_for_flush(connection, row, changed)


def _seal_for_flush(connection: Any, row: Row, only: frozenset[str] | None) -> None:
    """Put the sealed values in the row for its INSERT or UPDATE, keeping the plaintext to
    restore after it. A row whose earlier flush failed still holds what that flush sealed:
    its plaintext is sealed again, never the sealed value."""
    info = inspect(row).info
    kept: dict[str, tuple[Any, Any]] = info.get(_PLAIN, {})
    for name, (plain, sealed) in kept.items():
        if getattr(row, name) is sealed:
            setattr(row, name, plain)
    kept = {}
    for name, sealed in _columns(sealer_for(connection), row, True, only).items():
        kept[name] = (getattr(row, name), sealed)
        setattr(row, name, sealed)
    info[_PLAIN] = kept


def _after_write(_mapper: Mapper[Any], _connection: Any, row: Row) -> None:
    """The instance holds plaintext again, as stored (so it is not written a second time)."""
    for name, (plain, _) in inspect(row).info.pop(_PLAIN, {}).items():
        set_committed_value(row, name, plain)


_SEALED_COLUMNS: dict[type, tuple[str, ...]] = {
    StagedRecord: ("payload",),
    OutboxItem: ("payload",),
    DeadLetter: ("payload",),
    ReviewHold: ("result", "final_result", "writes"),
}


@cache
def install() -> None:
    """Register the events on the sealed tables (once; importing the ledger does it)."""
    for table in _SEALED_COLUMNS:
        event.listen(table, "load", _on_load)
        event.listen(table, "refresh", _on_refresh)
        event.listen(table, "before_insert", _before_insert)
        event.listen(table, "before_update", _before_update)
        event.listen(table, "after_insert", _after_write)
        event.listen(table, "after_update", _after_write)


install()
