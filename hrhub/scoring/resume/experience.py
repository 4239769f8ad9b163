"""Dated jobs and total years of experience.

One date range makes one item: "2015.03-2018.06", "2015年3月-2018年6月", "2015/3 – 2018/6",
"2019年至今", "1981年至1983年", "Mar 2015 - Present", "03/2015 - 06/2018", "2015 - 2018". A range
with a month starts on the 1st of that month and ends on the 1st of its end month (so
2015.03-2018.06 is 3.25 years); a bare year is January 1st. 至今 / present ends on `today`.
Years of experience is the length of the union of the ranges, so overlapping jobs count once.
Ranges under an education, project or skills heading, or on a line about study, are no jobs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hrhub.scoring.resume.records import Entity, ExperienceItem
from hrhub.scoring.resume.sections import Section, find_sections, section_at

__all__ = ["DateRange", "extract_experience", "find_ranges", "union_years"]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_YEAR = r"(?:19|20)\d{2}"
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH_NAME},?\s*{_YEAR}"
    rf"|{_YEAR}\s*(?:年\s*\d{{1,2}}\s*月?|[./-]\s*\d{{1,2}}(?![\d]))?\s*年?"
    rf"|\d{{1,2}}\s*/\s*{_YEAR})"
)
_PRESENT = r"(?:至今|今|现在|目前|now|present|current(?:ly)?|today|date)"
_SEP = r"(?:起\s*)?(?:[-–—~～]+|至|到|to|until|till|through)"
RANGE = re.compile(
    rf"(?<![\d./-])(?P<start>{_DATE})\s*{_SEP}\s*(?:(?P<present>{_PRESENT})|(?P<end>{_DATE}))"
    rf"(?![\d]|[./-]\d)",
    re.IGNORECASE,
)
# A line about study: its dates are an education period, not a job.
_STUDY = re.compile(
    r"本科|硕士|博士|学士|研究生|大专|专科|中专|高中|毕业|就读|求学|攻读|"
    r"(?<![A-Za-z])(?:bachelor|master|mba|ph\.?d|b\.?sc?|m\.?sc?|degree|graduated|studied|"
    r"student)(?![A-Za-z])",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[，,；;。！？]")
_ZH_EMPLOYER = re.compile(
    r"[\u4e00-\u9fff()（）A-Za-z0-9]{2,30}?(?:股份有限公司|有限责任公司|有限公司|集团|公司|银行|"
    r"研究院|研究所|事务所|医院|大学|学院)"
)


@dataclass(frozen=True)
class DateRange:
    """One range as found; `end` is None when it runs to the present."""

    start: date
    end: date | None
    current: bool
    text: str
    begin: int  # offsets of the range text
    finish: int


def _parse_date(raw: str) -> date | None:
    raw = raw.strip().lower()
    name = re.match(r"([a-z]+)", raw)
    years = re.findall(_YEAR, raw)
    if not years:
        return None
    year = int(years[0])
    if name:
        month = _MONTHS.index(name.group(1)[:3]) + 1
    else:
        digits = [int(d) for d in re.findall(r"\d+", raw)]
        month_first = re.match(r"\d{1,2}\s*/", raw) is not None
        rest = digits[:1] if month_first else digits[1:2]
        month = rest[0] if rest else 1
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def find_ranges(text: str) -> list[DateRange]:
    """Every date range in the text, in order; unreadable dates (month 13) are skipped."""
    found: list[DateRange] = []
    for match in RANGE.finditer(text):
        start = _parse_date(match.group("start"))
        present = match.group("present") is not None
        end = None if present else _parse_date(match.group("end"))
        if start is None or (end is None and not present):
            continue
        found.append(DateRange(start, end, present, match.group().strip(), *match.span()))
    return found


def union_years(intervals: Iterable[tuple[date, date]]) -> float:
    """Length of the union of [start, end) intervals in years (overlaps counted once)."""
    total_days = 0
    covered_to: date | None = None
    for start, end in sorted(intervals):
        if covered_to is not None and start < covered_to:
            start = covered_to
        if end > start:
            total_days += (end - start).days
            covered_to = end if covered_to is None else max(covered_to, end)
    return round(total_days / 365.25, 2)


def extract_experience(
    text: str, entities: Sequence[Entity], today: date
) -> tuple[list[ExperienceItem], float | None, list[str]]:
    """(items, years of experience, notes about ignored ranges)."""
    sections = find_sections(text)
    ranges = find_ranges(text)
    items: list[ExperienceItem] = []
    notes: list[str] = []
    for index, found in enumerate(ranges):
        section = section_at(sections, found.begin)
        line_start = text.rfind("\n", 0, found.begin) + 1
        # Several ranges on one line ("1981年至1983年，在A工作；1984年至1986年，在B工作"): each
        # item runs from its own range to the next one.
        seg_start = found.begin if index and ranges[index - 1].finish > line_start else line_start
        line_end = _line_end(text, found.finish)
        following = ranges[index + 1].begin if index + 1 < len(ranges) else len(text)
        head_end = min(line_end, following)
        head = text[seg_start:head_end]
        if section.kind in ("education", "project", "other"):
            continue
        if section.kind == "unknown" and _STUDY.search(head):
            continue
        problem = _problem(found, today)
        if problem:
            notes.append(f"ignored date range {found.text!r}: {problem}")
            continue
        end = found.end
        if end is not None and end > today:
            notes.append(f"date range {found.text!r} ends after {today.isoformat()}; cut there")
            end = today
        item_end = min(_next_start(text, following, seg_start), section.end)
        employer, title, item_start = _employer_title(text, entities, seg_start, head_end, section)
        if employer is None and (record := _one_line_record(text, found.finish, head_end)):
            employer, title = record
        if items and item_start < seg_start and items[-1].span[1] > item_start:
            # The line above (employer written first) belongs to this item, not the last one.
            items[-1].span = (items[-1].span[0], item_start)
        items.append(
            ExperienceItem(
                employer=employer,
                title=title,
                start=found.start,
                end=end,
                current=found.current,
                evidence=head.strip(),
                span=(item_start, max(item_end, head_end)),
            )
        )
    years = years_of(items, today) if items else None
    return items, years, notes


def years_of(items: Iterable[ExperienceItem], today: date) -> float:
    """Union length of the items' ranges; current ones run to `today`."""
    return union_years(
        (item.start, today if item.current else (item.end or today))
        for item in items
        if item.start is not None
    )


def _problem(found: DateRange, today: date) -> str | None:
    if found.start > today:
        return f"starts after {today.isoformat()}"
    if found.end is not None and found.end < found.start:
        return "ends before it starts"
    return None


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end


def _next_start(text: str, following: int, seg_start: int) -> int:
    """Where the next item begins: its range's line start, unless that line is this one."""
    line_start = text.rfind("\n", 0, following) + 1
    return following if line_start <= seg_start else line_start


def _employer_title(
    text: str, entities: Sequence[Entity], start: int, end: int, section: Section
) -> tuple[str | None, str | None, int]:
    """ORG and TITLE on the range's line, else on the line above (employer written first);
    also where the item starts (that line above when it was used)."""
    employer, title = _first(entities, "ORG", start, end), _first(entities, "TITLE", start, end)
    item_start = start
    if employer is None or title is None:
        above_end = text.rfind("\n", 0, start)
        if above_end > section.start:
            above_start = text.rfind("\n", 0, above_end) + 1
            if not RANGE.search(text, above_start, above_end):
                above_org = _first(entities, "ORG", above_start, above_end)
                above_title = _first(entities, "TITLE", above_start, above_end)
                if (employer is None and above_org) or (title is None and above_title):
                    employer = employer or above_org
                    title = title or above_title
                    item_start = above_start
    if employer is None:
        match = _ZH_EMPLOYER.search(text, start, end)
        employer = match.group() if match else None
    return employer, title, item_start


def _one_line_record(text: str, start: int, end: int) -> tuple[str, str] | None:
    """(employer, title) of a record line such as "2019.03-至今 腾讯 HR Business Partner":
    after the range, whitespace-separated fields and no sentence punctuation; the first field
    is the employer, the rest the title. None for anything else."""
    rest = text[start:end].strip(" \t-–—:：|")
    fields = rest.split()
    if len(fields) < 2 or _SENTENCE.search(rest):
        return None
    return fields[0], " ".join(fields[1:])


def _first(entities: Sequence[Entity], label: str, start: int, end: int) -> str | None:
    for entity in entities:
        if entity.label == label and start <= entity.start and entity.end <= end:
            return entity.text
    return None
