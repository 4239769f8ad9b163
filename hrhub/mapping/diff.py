"""What changed between two versions of a mapping file, in sentences an auditor reads.

Fields are compared by what they do (source, transform and parameters, default, required,
condition, personal data, note), not by text, so reformatting a file shows as "only comments
or layout changed" while its version (content hash) still changes and needs a new approval.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hrhub.mapping.engine import Mapping, MappingFileError
from hrhub.mapping.report import HIDING, FieldView, field_views

HEADER = ("system", "entity", "direction", "description")
# What a field does; a removed and an added field equal in all of these is a rename.
ASPECTS = ("source", "transform", "default", "required", "condition", "personal_data", "note")


class DiffInputError(ValueError):
    """A file or revision that cannot be compared (missing, unreadable, not in git)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: its kind, the field (if any), both values and the sentence."""

    kind: str
    field: str | None
    old: Any
    new: Any
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "text": self.text,
        }


@dataclass
class MappingDiff:
    """Every change from ``old`` to ``new``; identical means the same bytes."""

    old_label: str
    new_label: str
    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.old_version == self.new_version

    def lines(self) -> list[str]:
        if self.identical:
            return [f"identical: {self.old_label} and {self.new_label} ({self.old_version})"]
        return [c.text for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"file": self.old_label, "version": self.old_version},
            "new": {"file": self.new_label, "version": self.new_version},
            "identical": self.identical,
            "changes": [c.to_dict() for c in self.changes],
        }


# --- describing a field --------------------------------------------------------------------


def _q(text: str) -> str:
    return f"`{text}`"


def _via(view: FieldView) -> str:
    """``masked with mask(keep=4)`` or ``through sf_date``."""
    verb = HIDING.get(view.transform or "", "through")
    return f"{verb} {view.transform_text}"


def _whole(view: FieldView) -> str:
    """Everything a field does, for an added field."""
    parts = [f"from {_q(view.source_text)}" if view.source else f"fixed value {view.default_text}"]
    if view.source and view.has_default:
        parts.append(f"default {view.default_text}")
    if view.required:
        parts.append("required")
    if view.personal_data:
        parts.append("personal data")
    if view.transform:
        parts.append(_via(view))
    if view.conditions:
        parts.append(f"only when {view.condition_text}")
    return ", ".join(parts)


def _aspects(view: FieldView) -> dict[str, Any]:
    return {
        "source": view.source_text or None,
        "transform": view.transform_text or None,
        "default": view.default_text or None,
        "required": view.required,
        "condition": view.condition_text or None,
        "personal_data": view.personal_data,
        "note": view.note,
    }


def _field_changes(name: str, old: FieldView, new: FieldView) -> list[Change]:
    a, b = _aspects(old), _aspects(new)
    t = _q(name)
    changes = []
    for aspect in ASPECTS:
        if a[aspect] == b[aspect]:
            continue
        text = _sentence(aspect, t, a[aspect], b[aspect], old, new)
        changes.append(Change(aspect, name, a[aspect], b[aspect], text))
    return changes


def _sentence(aspect: str, t: str, was: Any, now: Any, old: FieldView, new: FieldView) -> str:
    if aspect == "source":
        if was and now:
            return f"field {t} now comes from {_q(now)} instead of {_q(was)}"
        if now:
            return f"field {t} now comes from {_q(now)} (before: fixed value {old.default_text})"
        return f"field {t} is now the fixed value {new.default_text} (before: from {_q(was)})"
    if aspect == "transform":
        if was and now:
            return f"transform of {t} changed from {was} to {now}"
        if now:
            return f"field {t} is now {_via(new)} (before: no transform)"
        if old.transform in HIDING:
            return f"field {t} is no longer {HIDING[old.transform]} {was}: the value goes as it is"
        return f"field {t} no longer goes through {was}"
    if aspect == "default":
        if was and now:
            return f"default of {t} changed from {was} to {now}"
        return (
            f"field {t} now defaults to {now}"
            if now
            else f"field {t} has no default now (was {was})"
        )
    if aspect == "required":
        return f"field {t} is now required" if now else f"field {t} is no longer required"
    if aspect == "personal_data":
        if now:
            return f"field {t} is now marked personal data"
        return f"field {t} is no longer marked personal data"
    if aspect == "condition":
        if was and now:
            return f"condition of {t} changed from {was} to {now}"
        if now:
            return f"field {t} is now only set when {now}"
        return f"field {t} is now always set (the condition {was} was removed)"
    if was and now:
        return f'note of {t} changed from "{was}" to "{now}"'
    return f'field {t} now has the note "{now}"' if now else f'note of {t} removed (was "{was}")'


# --- comparing -----------------------------------------------------------------------------


def diff_mappings(
    old: Mapping, new: Mapping, *, old_label: str | None = None, new_label: str | None = None
) -> MappingDiff:
    """The changes from ``old`` to ``new``, version first, then header, then field by field."""
    result = MappingDiff(old_label or old.file, new_label or new.file, old.version, new.version)
    if result.identical:
        return result
    changes = result.changes
    changes.append(
        Change("version", None, old.version, new.version, f"version {old.version} -> {new.version}")
    )
    for attr in HEADER:
        was, now = getattr(old, attr), getattr(new, attr)
        if was != now:
            text = (
                "description changed"
                if attr == "description"
                else f"{attr} changed from {was} to {now}"
            )
            changes.append(Change(attr, None, was, now, text))
    before = {v.target: v for v in field_views(old)}
    after = {v.target: v for v in field_views(new)}
    removed = [n for n in before if n not in after]
    added = [n for n in after if n not in before]
    for name, target in _renames(before, after, removed, added):
        removed.remove(name)
        added.remove(target)
        text = f"field {_q(name)} renamed to {_q(target)} (same source and rules)"
        changes.append(Change("renamed", target, name, target, text))
    for name in removed:
        view = before[name]
        came = f"it came from {_q(view.source_text)}" if view.source else "a fixed value"
        pd = ", personal data" if view.personal_data else ""
        changes.append(
            Change("removed", name, _aspects(view), None, f"field {_q(name)} removed ({came}{pd})")
        )
    for name in before:
        if name in after:
            changes += _field_changes(name, before[name], after[name])
    for name in added:
        view = after[name]
        changes.append(
            Change("added", name, None, _aspects(view), f"field {_q(name)} added: {_whole(view)}")
        )
    if len(changes) == 1:
        changes.append(
            Change(
                "layout",
                None,
                None,
                None,
                "only comments or layout changed: every field maps the same way "
                "(the new version still needs its own approval)",
            )
        )
    return result


def _renames(
    before: dict[str, FieldView], after: dict[str, FieldView], removed: list[str], added: list[str]
) -> list[tuple[str, str]]:
    pairs, taken = [], set()
    for name in removed:
        same = [n for n in added if n not in taken and _aspects(after[n]) == _aspects(before[name])]
        if len(same) == 1:  # an unambiguous match only
            pairs.append((name, same[0]))
            taken.add(same[0])
    return pairs


# --- reading what to compare ---------------------------------------------------------------


def load_file(path: str | os.PathLike[str]) -> Mapping:
    """A mapping file to compare; ``DiffInputError`` if it is missing (mistakes raise as usual)."""
    where = Path(path)
    if not where.is_file():
        raise DiffInputError(f"{where}: no such file")
    return Mapping.load(where)


def split_revisions(spec: str) -> tuple[str, str | None]:
    """``A..B`` -> (A, B); ``A..`` or ``A`` -> (A, None): None is the working tree."""
    old, sep, new = spec.partition("..")
    if not old or (sep and new.startswith(".")):
        raise DiffInputError(f"--rev: expected A..B (two git revisions), got {spec!r}")
    return old, new or None


# A git revision as people write them (HEAD~1, main, origin/main, a1b2c3d, v1.2, HEAD@{2}):
# never an option (no leading "-": git would read `--output=...` as one), never a path (no
# ":"), never a range or a way out of the work folder ("..").
_REVISION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.~^@{}/+-]{0,99}")


class BadRevision(DiffInputError):
    """The text given as a revision cannot be one (as opposed to one git does not have)."""


def check_revision(rev: str) -> str:
    """``rev`` if it is safe to hand to git as a revision, else ``BadRevision``."""
    if not _REVISION.fullmatch(rev) or ".." in rev:
        raise BadRevision(f"{rev!r} is not a git revision (e.g. HEAD~1, main, a1b2c3d)")
    return rev


def load_revision(path: str | os.PathLike[str], rev: str, workdir: Path) -> Mapping:
    """The file as it was at git revision ``rev``, loaded from a copy under ``workdir``."""
    check_revision(rev)
    where = Path(path).resolve()
    try:
        shown = subprocess.run(
            ["git", "-C", str(where.parent), "show", f"{rev}:./{where.name}"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffInputError(f"git: cannot run it: {exc}") from None
    if shown.returncode != 0:
        message = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"exit {shown.returncode}"
        raise DiffInputError(f"{path} at {rev}: {reason}")
    copy = workdir / rev.replace("/", "_") / where.parent.name / where.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(shown.stdout)
    try:
        return Mapping.load(copy)
    except MappingFileError as exc:  # name the revision, not the temporary copy
        label = f"{path}@{rev}"
        problems = [p.replace(exc.file or str(copy), label) for p in exc.problems]
        raise DiffInputError("\n".join(problems)) from None
