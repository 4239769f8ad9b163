"""Section headings ("工作经历", "Education", ...) so dates under a heading are read for what
they are: a study period under 教育背景 is not work experience."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Section", "find_sections", "section_at"]

_HEADINGS = {
    "work": (
        "工作经历", "工作经验", "工作履历", "职业经历", "任职经历", "从业经历", "实习经历",
        "实习经验", "工作背景", "work experience", "professional experience", "experience",
        "employment", "employment history", "work history", "career history", "internships",
        "internship", "internship experience", "relevant experience",
    ),
    "education": (
        "教育背景", "教育经历", "教育", "学历", "学习经历", "education", "academic background",
        "education background", "educational background", "qualifications",
    ),
    "project": (
        "项目经历", "项目经验", "项目", "projects", "project experience", "selected projects",
    ),
    "other": (
        "个人简历", "简历", "技能", "专业技能", "个人技能", "技能特长", "自我评价", "个人评价",
        "个人信息", "基本信息", "个人资料", "求职意向", "证书", "资格证书", "获奖情况", "荣誉奖项",
        "语言能力", "兴趣爱好",
        "skills", "technical skills", "summary", "profile", "professional summary", "objective",
        "personal information", "contact", "certifications", "certificates", "awards",
        "languages", "interests", "publications", "references", "volunteering",
    ),
}  # fmt: skip
_KIND = {word: kind for kind, words in _HEADINGS.items() for word in words}
_DECORATION = re.compile(r"^[\s#*=\-–—_|【\[(（<《•·:：]+|[\s#*=\-–—_|】\])）>》:：]+$")


@dataclass(frozen=True)
class Section:
    """A part of the text under one heading; `kind` is work/education/project/other."""

    kind: str
    start: int
    end: int


def heading_kind(line: str) -> str | None:
    """The kind of a heading line, or None when the line is not a heading."""
    core = _DECORATION.sub("", line).strip().lower()
    if not core or len(core) > 40:
        return None
    return _KIND.get(core) or _KIND.get(core.rstrip("s"))


def find_sections(text: str) -> list[Section]:
    """Sections in order; text before the first heading is kind "unknown"."""
    sections: list[Section] = []
    kind, start = "unknown", 0
    for line in re.finditer(r"[^\n]+", text):
        found = heading_kind(line.group())
        if found is None:
            continue
        if line.start() > start:
            sections.append(Section(kind, start, line.start()))
        kind, start = found, line.start()
    sections.append(Section(kind, start, len(text)))
    return sections


def section_at(sections: list[Section], offset: int) -> Section:
    """The section holding a character offset."""
    for section in sections:
        if section.start <= offset < section.end:
            return section
    return sections[-1]
