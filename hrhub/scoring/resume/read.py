"""Bytes or text of one resume -> normalised text and its language, or a reason it is unreadable.

Screening must never score a file it could not read: every way a resume can be unreadable raises
`Unparseable` with a short reason the outcome reports ("empty", "binary file", ...).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_BYTES", "ResumeText", "Unparseable", "detect_language", "read_resume"]

DEFAULT_MAX_BYTES = 2_000_000

# File signatures of formats people upload instead of text (PDF, Office, images, archives).
_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"{\\rtf",
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls other than tab, LF, VT, FF, CR and ESC: text files hardly ever hold them.
_CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | set(range(0x0E, 0x1B)) | {0x1C, 0x1D, 0x1E})
_CONTROL_SHARE = 0.02
# In decoded text the C1 controls count too: no text holds them, but bytes misread as UTF-16
# (a file with NULs all through it) are full of them.
_CONTROL_CHARS = _CONTROL_BYTES | frozenset(range(0x80, 0xA0))

# Full-width ASCII letters, digits and the symbols of emails, phones and dates -> ASCII. CJK
# punctuation (，：；（）) stays: the Chinese NER model was trained on it.
_FULLWIDTH = {
    cp: cp - 0xFEE0
    for cp in range(0xFF01, 0xFF5F)
    if chr(cp - 0xFEE0).isalnum() or chr(cp - 0xFEE0) in "@.-_+/#&%~'\""
}
_FULLWIDTH.update(
    {
        0x3000: 0x20,  # ideographic space
        0x00A0: 0x20,
        0x2002: 0x20,
        0x2003: 0x20,
        0x2009: 0x20,
        0x202F: 0x20,
        0x0009: 0x20,
        0x200B: None,  # zero-width space
        0x200C: None,
        0x200D: None,
        0xFEFF: None,  # stray BOM inside the text
    }
)

_SCRIPTS = (
    # (name, reported language, code point ranges)
    ("Han", "zh", ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))),
    ("Latin", "en", ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F))),
    ("Cyrillic", "ru", ((0x400, 0x52F),)),
    ("Greek", "el", ((0x370, 0x3FF),)),
    ("Arabic", "ar", ((0x600, 0x6FF), (0x750, 0x77F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("Hebrew", "he", ((0x590, 0x5FF),)),
    ("Devanagari", "hi", ((0x900, 0x97F),)),
    ("Thai", "th", ((0xE00, 0xE7F),)),
    ("Hangul", "ko", ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F))),
    ("Kana", "ja", ((0x3040, 0x30FF), (0x31F0, 0x31FF))),
)
_WORD = re.compile(r"[^\W\d_]+")


class Unparseable(ValueError):
    """The resume cannot be read as text in a supported language; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ResumeText:
    """Normalised resume text (what all reported offsets refer to), its language and encoding."""

    text: str
    language: str  # "zh" | "en"
    encoding: str  # codec the bytes were decoded with; "str" when text was given


def read_resume(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ResumeText:
    """Decode, normalise and classify one resume; raises `Unparseable` with the reason."""
    if isinstance(data, str):
        size = len(data) if data.isascii() else len(data.encode("utf-8", "surrogatepass"))
        _check_size(size, max_bytes)
        text, encoding = data, "str"
        if _control_share(text) > _CONTROL_SHARE:
            raise Unparseable("binary file")
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        _check_size(len(raw), max_bytes)
        text, encoding = _decode(raw)
    else:
        raise TypeError(f"resume must be bytes or str, got {type(data).__name__}")
    text = normalise(text)
    if not text.strip():
        raise Unparseable("empty")
    return ResumeText(text=text, language=detect_language(text), encoding=encoding)


def normalise(text: str) -> str:
    """One newline style, plain spaces, ASCII letters/digits for their full-width forms."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_FULLWIDTH)


def detect_language(text: str) -> str:
    """ "zh" or "en" by script share; Han wins when it carries most of the meaningful text.

    Shares are counted in units of meaning: one per Han character, one per word of any other
    script, so a Chinese resume full of English skill names still reads as Chinese.
    """
    units: dict[str, int] = {}
    for word in _WORD.findall(text):
        han = sum(1 for ch in word if _script_of(ch) == "Han")
        if han:
            units["Han"] = units.get("Han", 0) + han
        rest = [s for s in map(_script_of, word) if s not in (None, "Han")]
        if rest:
            script = max(set(rest), key=rest.count)
            units[script] = units.get(script, 0) + 1
    if not units:
        raise Unparseable("no readable text")
    script = max(units, key=lambda s: (units[s], s == "Han"))
    language = next(lang for name, lang, _ in _SCRIPTS if name == script)
    if language not in ("zh", "en"):
        raise Unparseable(f"unsupported language: {language}")
    return language


def _script_of(ch: str) -> str | None:
    cp = ord(ch)
    for name, _lang, ranges in _SCRIPTS:
        for low, high in ranges:
            if low <= cp <= high:
                return name
    return None


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise Unparseable(f"too large: {_human(size)} > {_human(max_bytes)}")


def _human(size: int) -> str:
    for unit, factor in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _decode(raw: bytes) -> tuple[str, str]:
    if not raw.strip():
        raise Unparseable("empty")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), codec
            except UnicodeDecodeError:
                raise Unparseable("undecodable bytes") from None
    if raw.startswith(_MAGIC):
        raise Unparseable("binary file")
    utf16 = _bomless_utf16(raw)
    if utf16:
        return raw.decode(utf16), utf16
    head = raw[:65536]
    if sum(1 for b in head if b in _CONTROL_BYTES) / len(head) > _CONTROL_SHARE:
        raise Unparseable("binary file")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise Unparseable("undecodable bytes")


def _bomless_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM shows itself by NULs on one byte parity (ASCII-heavy text)."""
    head = raw[:65536]
    if len(head) < 4 or len(head) % 2:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2
    for nuls, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nuls >= 0.3 * half and other <= 0.02 * half:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                return None
            return codec if _control_share(text) <= _CONTROL_SHARE else None
    return None


def _control_share(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    return sum(1 for ch in sample if ord(ch) in _CONTROL_CHARS) / len(sample)
