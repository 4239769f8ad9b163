"""Personal data as a viewer may see it: whole for roles with Permission.PERSONAL_DATA, masked
for the others (an auditor sees that a value is there and how it ends, not what it is).

One rule masks a value, `mask_text`: the mapping's `mask` transform, stars except the last
four characters (a value of four characters or fewer is all stars), so "+8613800000003"
reads "**********0003" here exactly as it does in a masked target field.

For a masked viewer:
- a payload (a dead letter's record, a write's body) keeps its keys, true/false and null, and
  has every other scalar masked: which fields were sent shows, their values do not;
- a free text (a dead letter's reason, a write's last error, audit data) has every value it
  may quote replaced by its mask: the record's known personal values and the strings of the
  payload it belongs to (a reason quotes the refused value from it). Common words that are
  also payload values are masked with them: masking too much is the safe side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hrhub.mapping.transforms import mask
from hrhub.web.auth import Viewer
from hrhub.web.roles import Permission

KEEP = 4
# A one-character value would mask every occurrence of that letter in a text.
MIN_SCRUBBED = 2


def mask_text(value: object) -> str:
    """The one masking rule (see the module docstring)."""
    return mask(str(value), keep=KEEP)


def mask_payload(value: Any) -> Any:
    """A copy of `value` with every scalar but true/false/null masked, keys kept."""
    if isinstance(value, Mapping):
        return {key: mask_payload(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_payload(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    return mask_text(value)


def text_values(value: Any) -> set[str]:
    """Every scalar inside `value` as text (what a message about it may quote)."""
    if isinstance(value, Mapping):
        return set().union(*(text_values(item) for item in value.values()))
    if isinstance(value, list | tuple | set | frozenset):
        return set().union(*(text_values(item) for item in value))
    if value is None or isinstance(value, bool):
        return set()
    return {str(value)}


def scrub(text: str, values: Iterable[str]) -> str:
    """`text` with each of `values` replaced by its mask, longest first (a name inside a
    longer value is not masked twice)."""
    wanted = sorted({v for v in values if len(v) >= MIN_SCRUBBED}, key=len, reverse=True)
    if not text or not wanted:
        return text
    pattern = re.compile("|".join(map(re.escape, wanted)))
    return pattern.sub(lambda found: mask_text(found.group()), text)


@dataclass(frozen=True)
class Masker:
    """Masks for one viewer: `reveal` when their role may see personal data; `known` are the
    personal values of the record on the page, scrubbed from every free text."""

    reveal: bool
    known: frozenset[str] = frozenset()

    @classmethod
    def for_viewer(cls, viewer: Viewer, known: Iterable[str] = ()) -> Masker:
        reveal = viewer.can(Permission.PERSONAL_DATA)
        return cls(reveal, frozenset() if reveal else frozenset(known))

    def value(self, value: object) -> str:
        """A personal value (a name, an email, a phone)."""
        return str(value) if self.reveal else mask_text(value)

    def payload(self, payload: Any) -> Any:
        return payload if self.reveal else mask_payload(payload)

    def text(self, text: str | None, *, payload: Any = None) -> str:
        """A free text about a record, with what it may quote of `payload` masked too."""
        if not text or self.reveal:
            return text or ""
        return scrub(text, self.known | text_values(payload))
