"""Numbers said in an answer or written in a resume, with their values.

"1000万", "一千万", "10 million" and "$10M" all read as 10,000,000, and "十个人", "10人" and
"ten people" as 10, so a resume claim can be matched with what the candidate said in either
language. A lone 一 ("一个客户", "一次") is an article, not a figure, and is not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NumberMention", "chinese_numeral_value", "find_numbers"]

_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
_SCALE = {
    "万": 1e4, "亿": 1e8, "千万": 1e7, "百万": 1e6, "千": 1e3, "百": 1e2, "k": 1e3, "m": 1e6,
    "mm": 1e6, "million": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3,
}  # fmt: skip
_EN_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12,
}  # fmt: skip
_NOT_WORD = r"(?!一|起|分)"  # 万一 (in case), 一万 stays, 万分 (extremely)
_MEASURE = (
    r"(?=\s*(?:个|人|名|位|次|家|倍|天|周|星期|月|年|小时|分钟|秒|万|亿|元|块|条|项|台|单|件|季度"
    r"|成|%|％))"
)

_ARABIC = re.compile(
    r"(?<![A-Za-z0-9_.,])(?P<currency>[$¥￥€£])?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>千万|百万|万|亿|千|百|(?:k|m|mm|bn)(?![A-Za-z])|million\b|billion\b|thousand\b))?"
    r"(?P<percent>\s*(?:%|％|percent\b|per\s+cent\b))?",
    re.IGNORECASE,
)
_ZH_PERCENT = re.compile(r"百分之(?P<num>[零一二两三四五六七八九十百点\d.]+)")
_ZH_NUMBER = re.compile(
    rf"(?<!百分之)(?P<num>[零一二两三四五六七八九十百千万亿]++)(?:(?<=[万亿]){_NOT_WORD}|{_MEASURE})"
)
_EN_NUMBER = re.compile(
    r"\b(?P<num>" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)) + r")\b"
    r"(?:[\s-]+(?P<unit>two|three|four|five|six|seven|eight|nine))?"
    r"(?:\s+(?P<scale>thousand|million|billion)\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NumberMention:
    """A figure in the text: what was written, its value, where, and whether it is a share."""

    text: str
    value: float
    start: int
    end: int
    percent: bool = False


def chinese_numeral_value(numeral: str) -> float | None:
    """一千万 -> 10000000, 十五 -> 15, 两百 -> 200, 三点五 -> 3.5; None when it is no number."""
    if "点" in numeral:
        whole, _, frac = numeral.partition("点")
        head = chinese_numeral_value(whole) if whole else 0
        digits = "".join(str(_ZH_DIGITS[ch]) for ch in frac if ch in _ZH_DIGITS)
        return None if head is None or not digits else float(f"{int(head)}.{digits}")
    total, section, digit = 0, 0, None
    for ch in numeral:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in _ZH_UNITS:
            section += (1 if digit is None else digit) * _ZH_UNITS[ch]
            digit = None
        elif ch in _ZH_BIG:
            total = (total + section + (digit or 0)) * _ZH_BIG[ch]
            section, digit = 0, None
        else:
            return None
    value = total + section + (digit or 0)
    return float(value) if value or numeral == "零" else None


def find_numbers(text: str) -> list[NumberMention]:
    """Every figure in the text, in order of position (see the module docstring)."""
    found: list[NumberMention] = []
    taken: list[tuple[int, int]] = []

    def add(mention: NumberMention) -> None:
        if not any(s < mention.end and mention.start < e for s, e in taken):
            found.append(mention)
            taken.append((mention.start, mention.end))

    for match in _ZH_PERCENT.finditer(text):
        value = _digits_or_numeral(match["num"])
        if value is not None:
            add(NumberMention(match.group(), value, match.start(), match.end(), percent=True))
    for match in _ARABIC.finditer(text):
        value = float(match["num"].replace(",", ""))
        if match["scale"]:
            value *= _SCALE[match["scale"].lower()]
        mention = match.group().strip()
        start = match.start() + match.group().index(mention)
        add(NumberMention(mention, value, start, start + len(mention), bool(match["percent"])))
    for match in _ZH_NUMBER.finditer(text):
        numeral = match["num"]
        value = chinese_numeral_value(numeral)
        if value is None or numeral == "一" or numeral in ("千万", "万一"):
            continue  # 一 is an article; 千万 means "by all means", 万一 "in case"
        add(NumberMention(numeral, value, match.start(), match.end()))
    for match in _EN_NUMBER.finditer(text):
        value = float(_EN_WORDS[match["num"].lower()])
        if match["unit"]:
            value += _EN_WORDS[match["unit"].lower()]
        if match["scale"]:
            value *= _SCALE[match["scale"].lower()]
        add(NumberMention(match.group(), value, match.start(), match.end()))
    return sorted(found, key=lambda m: m.start)


def _digits_or_numeral(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return chinese_numeral_value(text)
