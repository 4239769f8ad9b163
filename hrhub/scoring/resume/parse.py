"""One resume in, a `ParsedText` out: read, run the language's pipeline, then the extractors.

The pipeline runs line by line: the Chinese model was trained on single
sentences, no entity spans a line break, and spaCy's max_length never bites on a long file.
Section headings are not run (they hold no entity). The Chinese model learnt from biographies
("高勇：男，…"), so a resume's field label ("电话：…") can look like a name to it: a NAME that
is a field label is dropped, and a first line that is a name alone is taken as the name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from hrhub.scoring.resume.contacts import find_contacts
from hrhub.scoring.resume.education import extract_education, highest_level
from hrhub.scoring.resume.experience import extract_experience
from hrhub.scoring.resume.read import DEFAULT_MAX_BYTES, read_resume
from hrhub.scoring.resume.records import Entity, ParsedText
from hrhub.scoring.resume.sections import heading_kind
from hrhub.scoring.resume.skills import abilities_for, skills_for

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["find_entities", "parse_resume"]

_CHUNK = 5_000  # characters per pipeline call for very long lines
_ZH_NAME_FIELD = re.compile(r"姓\s*名\s*[:：]\s*([\u4e00-\u9fff·]{2,6}|[A-Za-z][A-Za-z .'-]{1,40})")
_ZH_NAME_LINE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff·]{1,5}")
FIELD_LABELS = frozenset((
    "姓名", "性别", "年龄", "民族", "籍贯", "国籍", "户籍", "住址", "地址", "现居", "电话", "手机",
    "联系电话", "联系方式", "邮箱", "电子邮件", "邮件", "微信", "学历", "学位", "专业", "毕业院校",
    "出生年月", "出生日期", "婚姻状况", "政治面貌", "身高", "体重", "工作年限", "期望薪资",
    "期望职位", "到岗时间", "证书", "荣誉", "技能", "爱好",
))  # fmt: skip
"""Resume field labels: never a person's name, whatever the model says."""


def parse_resume(
    data: bytes | str,
    *,
    zh_nlp: Language | None = None,
    en_nlp: Language | None = None,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedText:
    """Parse one resume; raises `Unparseable` (with `.reason`) when it cannot be read.

    `zh_nlp` defaults to the shipped Chinese NER model (`load_resume_ner()`, FileNotFoundError
    when it is not built), `en_nlp` to the English rule pipeline.
    """
    resume = read_resume(data, max_bytes=max_bytes)
    today = today or date.today()
    if resume.language == "zh":
        nlp = zh_nlp if zh_nlp is not None else _default_chinese()
    else:
        nlp = en_nlp if en_nlp is not None else _default_english()
    text = resume.text
    entities = find_entities(nlp, text)
    emails, phones = find_contacts(text)
    education = extract_education(text, entities)
    experience, years, notes = extract_experience(text, entities, today)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    return ParsedText(
        language=resume.language,
        text=text,
        entities=entities,
        name=_name(text, entities),
        emails=emails,
        phones=phones,
        education=education,
        highest_education=highest_level([item.level for item in education]),
        experience=experience,
        years_experience=years,
        skills=skills_for(text),
        abilities=abilities_for(text),
        notes=notes,
        sha256=hashlib.sha256(raw).hexdigest(),
        today=today,
    )


def find_entities(nlp: Language, text: str) -> list[Entity]:
    """Entities of the whole text, with offsets into it, from running `nlp` on each line.

    A pipeline that is a single span tagger (the Chinese CRF: a component with `spans(text)`)
    is asked for spans directly, with no spaCy Doc built per line; the spans are those its
    Doc would carry (trimmed of whitespace at their ends, as token alignment does)."""
    chunks = [
        (line.start() + i, line.group()[i : i + _CHUNK])
        for line in re.finditer(r"[^\n]*\S[^\n]*", text)
        if heading_kind(line.group()) is None
        for i in range(0, len(line.group()), _CHUNK)
    ]
    tagger = _span_tagger(nlp)
    found: list[Entity] = []
    if tagger is not None:
        for offset, chunk in chunks:
            for start, end, label in tagger(chunk):
                piece = chunk[start:end]
                start += len(piece) - len(piece.lstrip())
                end -= len(piece) - len(piece.rstrip())
                if start < end:
                    found.append(Entity(label, chunk[start:end], offset + start, offset + end))
    else:
        for (offset, _), doc in zip(chunks, nlp.pipe(chunk for _, chunk in chunks), strict=True):
            found += [
                Entity(ent.label_, ent.text, offset + ent.start_char, offset + ent.end_char)
                for ent in doc.ents
            ]
    return [e for e in found if not (e.label == "NAME" and e.text.strip() in FIELD_LABELS)]


def _span_tagger(nlp: Language) -> Callable[[str], list[tuple[int, int, str]]] | None:
    names = getattr(nlp, "pipe_names", ())
    return getattr(nlp.get_pipe(names[0]), "spans", None) if len(names) == 1 else None


def _name(text: str, entities: list[Entity]) -> str | None:
    """An explicit 姓名 field first, then a first line of Han characters alone that is no
    heading or field label (how Chinese resumes start), then the first NAME entity."""
    field = _ZH_NAME_FIELD.search(text)
    if field:
        return field.group(1).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if _ZH_NAME_LINE.fullmatch(first) and first not in FIELD_LABELS and heading_kind(first) is None:
        return first
    return next((e.text.strip() for e in entities if e.label == "NAME"), None)


def _default_chinese() -> Language:
    from hrhub.scoring.ner import load_resume_ner

    return load_resume_ner()


def _default_english() -> Language:
    from hrhub.scoring.resume.english import default_english

    return default_english()
