"""The hostile values the corpus builds its inputs from, made here at run time.

Families, each a name -> value table so a case's name says which one it is: injection
strings, wrong types, numbers JSON or Python choke on, dates out of range, and ways to break a
file's bytes (cut, wrong encoding, NUL bytes, a format's signature in front of text).
"""

from __future__ import annotations

import codecs
from typing import Any

__all__ = [
    "BAD_DATES",
    "BINARY_HEADS",
    "INJECTIONS",
    "WRONG_TYPES",
    "deep_json",
    "encoded",
    "truncated",
]

# Strings that mean something to a database, a browser, a file system, a header or a
# formatter: where a field has a shape, they must be refused; nowhere may they do anything.
INJECTIONS: dict[str, str] = {
    "sql": "1'; DROP TABLE staged_records;--",
    "html": "<script>alert('hrhub')</script>",
    "traversal": "../../../../etc/passwd",
    "crlf": "x\r\nSet-Cookie: session=stolen",
    "nul": "a\x00b",
    "format": "%s%n{0.__class__}${jndi:ldap://127.0.0.1/x}",
}

# A value of the wrong JSON type for a field that holds text, a number or a time.
WRONG_TYPES: dict[str, Any] = {
    "null": None,
    "list": ["a", "b"],
    "object": {"value": 1},
    "bool": True,
}

# Times that are not times, or not in any range a record can have.
BAD_DATES: dict[str, Any] = {
    "not_a_date": "yesterday-ish",
    "feb_30": "2024-02-30T10:00:00Z",
    "year_0": "0000-01-01T00:00:00Z",
    "year_10000": "10000-01-01T00:00:00Z",
    "huge_epoch": 10**20,
}

# Signatures of formats people upload in place of text or audio.
BINARY_HEADS: dict[str, bytes] = {
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "zip": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)),
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)),
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(120)),
}


def encoded(text: str, codec: str) -> bytes:
    """`text` in `codec` ("gbk", "utf-16", "utf-8-bom", ...)."""
    if codec == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(codec)


def truncated(data: bytes, share: float = 0.5) -> bytes:
    """The first `share` of `data`: a download or upload cut off."""
    return data[: max(1, int(len(data) * share))]


def deep_json(depth: int = 100_000) -> str:
    """A JSON list nested `depth` deep: valid JSON no recursive parser gets through."""
    return "[" * depth + "]" * depth
