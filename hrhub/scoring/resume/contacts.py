"""Emails and phone numbers, by regex, in either language.

Phones are returned as digits (with a leading + when written), which fits the canonical phone
pattern and makes the same number written two ways compare equal.
"""

from __future__ import annotations

import re

__all__ = ["find_contacts", "find_emails", "find_phones"]

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PHONE = re.compile(
    r"(?<![\w.+/-])(?:"
    # Chinese mobile, optionally +86 / 0086 / (86)
    r"(?:(?:\+|00)?86[\s-]?|\(\+?86\)\s?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"
    # Chinese landline 010-12345678, (021) 1234 5678
    r"|(?:\(0\d{2,3}\)\s?|0\d{2,3}-)\d{3,4}[\s-]?\d{4}"
    # international with country code: +44 20 7946 0958, +1 (415) 555-0134
    r"|\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)|\d{1,4})(?:[\s.-]?\d{2,4}){2,3}"
    # North American (415) 555-0134, 415-555-0134, 415.555.0134
    r"|(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}"
    r")(?![\w.-]*\d)"
)


def find_emails(text: str) -> list[str]:
    """Email addresses in order of appearance, without duplicates (case-insensitive)."""
    seen: dict[str, str] = {}
    for match in _EMAIL.finditer(text):
        seen.setdefault(match.group().lower(), match.group().rstrip("."))
    return list(seen.values())


def find_phones(text: str) -> list[str]:
    """Phone numbers in order of appearance as `+?digits`, without duplicates."""
    found: list[str] = []
    for match in _PHONE.finditer(text):
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        number = ("+" if raw.startswith("+") else "") + digits
        if 7 <= len(digits) <= 15 and number not in found:
            found.append(number)
    return found


def find_contacts(text: str) -> tuple[list[str], list[str]]:
    """(emails, phones); phone digits inside an email address are not phones."""
    emails = find_emails(text)
    masked = _EMAIL.sub(lambda m: " " * len(m.group()), text)
    return emails, find_phones(masked)
