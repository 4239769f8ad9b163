"""Broken mapping files through the mapping checker (`check_mappings`, what `hrhub mappings
check` runs).

Each case writes a folder holding two mapping files of SuccessFactors: the candidate
in-mapping, broken one way, and the requisition in-mapping as shipped. The checker must
report the broken file with `file:line` (or `file` where the file as a whole is wrong: not
UTF-8, empty), never raise, and report nothing against the sound file next to it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hrhub.mapping.check import check_mappings
from hrhub.mapping.contracts import Contracts
from hrhub.mapping.engine import mappings_dir
from hrhub.reliability.hostile.corpus import HostileInput, Verdict, accepted, refused
from hrhub.reliability.hostile.values import BINARY_HEADS, INJECTIONS, encoded

__all__ = ["ENTRY_POINT", "cases", "world"]

ENTRY_POINT = "mappings"
SYSTEM = "successfactors"
VICTIM = "candidate.in.yaml"
NEIGHBOUR = "job.in.yaml"


@dataclass
class World:
    folder: Path
    victim: str  # the shipped text of the file each case breaks
    neighbour: str
    contracts: Contracts
    _dirs: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def case_dir(self) -> Path:
        path = self.folder / f"case-{next(self._dirs)}" / SYSTEM
        path.mkdir(parents=True)
        return path


@contextmanager
def world(folder: Path) -> Iterator[World]:
    shipped = mappings_dir() / SYSTEM
    yield World(
        folder,
        (shipped / VICTIM).read_text(encoding="utf-8"),
        (shipped / NEIGHBOUR).read_text(encoding="utf-8"),
        Contracts(),
    )


def feed_file(make: Callable[[str], bytes]) -> Callable[[World], Verdict]:
    def feed(world: World) -> Verdict:
        folder = world.case_dir()
        victim, neighbour = folder / VICTIM, folder / NEIGHBOUR
        victim.write_bytes(make(world.victim))
        neighbour.write_text(world.neighbour, encoding="utf-8")
        report = check_mappings([folder.parent], contracts=world.contracts)
        against = {p.file for p in report.problems}
        neighbours = not any(f.endswith(NEIGHBOUR) for f in against) and len(report.files) == 2
        mine = [p for p in report.problems if p.file.endswith(VICTIM)]
        if not mine:
            return accepted("the checker found nothing wrong", neighbours_ok=neighbours)
        first = mine[0]
        return refused(
            "; ".join(str(p) for p in mine[:5]),
            names_record=first.file.endswith(VICTIM) and first.line >= 1,
            neighbours_ok=neighbours,
        )

    return feed


def _text(change: Callable[[str], str]) -> Callable[[str], bytes]:
    return lambda shipped: change(shipped).encode("utf-8")


def _replace(old: str, new: str) -> Callable[[str], bytes]:
    def change(shipped: str) -> str:
        if old not in shipped:
            raise ValueError(f"the shipped mapping has no {old!r} to break")
        return shipped.replace(old, new, 1)

    return _text(change)


def _append(extra: str) -> Callable[[str], bytes]:
    return _text(lambda shipped: shipped + extra)


_REMOTE_ID = "remote_id: {from: candidateId, transform: str, required: true}"

_FILES: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "unclosed_bracket": (
        "a flow mapping never closed",
        _replace(_REMOTE_ID, "remote_id: {from: candidateId"),
    ),
    "tab_indent": (
        "a tab where YAML needs spaces",
        _replace("  source_system:", "\tsource_system:"),
    ),
    "control_char": ("a control character YAML refuses", _append("  x: \x1f\n")),
    "nul_byte": ("a NUL byte in the text", _append("  x: a\x00b\n")),
    "gbk": ("saved in GBK, not UTF-8", lambda s: encoded(s + "  # 候选人\n", "gbk")),
    "utf16": ("saved in UTF-16", lambda s: encoded(s, "utf-16")),
    "empty": ("zero bytes", lambda _s: b""),
    "comments_only": ("nothing but comments", lambda _s: b"# nothing here\n# at all\n"),
    "top_level_list": (
        "a list where a mapping belongs",
        lambda _s: b"- system: successfactors\n- fields: []\n",
    ),
    "deeply_nested": (
        "a value nested 5,000 deep",
        _append("  deep: {default: " + "[" * 5000 + "]" * 5000 + "}\n"),
    ),
    "alias_bomb": (
        "aliases that expand a billion times",
        _append(
            "".join(
                f"  l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}]\n"
                if i
                else "  l0: &l0 [lol]\n"
                for i in range(12)
            )
        ),
    ),
    "duplicate_key": ("a target given twice", _append("  current_title: currentTitle\n")),
    "unknown_transform": (
        "a transform that does not exist",
        _replace("transform: str, required", "transform: no_such_transform, required"),
    ),
    "transform_injection": (
        "a transform named like code",
        _replace("transform: str, required", "transform: __import__('os').system, required"),
    ),
    "python_tag": (
        "a tag asking PyYAML to run code",
        _append("  evil: !!python/object/apply:os.system ['true']\n"),
    ),
    "missing_system": ("no system", _replace("system: successfactors\n", "")),
    "wrong_direction": (
        "direction neither in nor out",
        _replace("direction: in", "direction: sideways"),
    ),
    "source_not_in_schema": (
        "a source path the payload has not",
        _replace("from: candidateId,", "from: candidateIdentifier,"),
    ),
    "target_not_in_model": (
        "a target the canonical model has not",
        _append("  favourite_colour: {from: city}\n"),
    ),
    "required_missing": ("the record key's rule removed", _replace(_REMOTE_ID, "")),
    "impossible_date": (
        "a default that is 2024-13-01",
        _append("  applied_on: {default: 2024-13-01}\n"),
    ),
    "huge_number": (
        "a default with 5,000 digits",
        _append("  big: {default: " + "9" * 5000 + "}\n"),
    ),
    "sql_in_source": (
        "a source path that is SQL",
        _replace("from: candidateId,", f'from: "{INJECTIONS["sql"]}",'),
    ),
    "traversal_in_source": (
        "a source path that climbs directories",
        _replace("from: candidateId,", f"from: {INJECTIONS['traversal']},"),
    ),
    "png_named_yaml": ("a PNG image named .yaml", lambda _s: BINARY_HEADS["png"]),
    "wrong_folder_system": (
        "a system other than its folder's",
        _replace("system: successfactors", "system: yonyou"),
    ),
}


def cases() -> list[HostileInput]:
    return [
        HostileInput(ENTRY_POINT, name, problem, feed_file(make))
        for name, (problem, make) in _FILES.items()
    ]
