"""The English resume pipeline: `spacy.blank("en")` plus rules for the Chinese model's labels.

No pretrained English model exists on the machine and nothing is downloaded, so entities come
from an EntityRuler (EDU, TITLE, ORG, LOC) and a small component for NAME (a "Name:" field or
a name-shaped first line). CONT, RACE and PRO have no rules: nationality and ethnicity are not
used for screening, and majors are read from the degree line (see education.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["NAME_COMPONENT", "default_english", "english_pipeline", "find_name_span"]

NAME_COMPONENT = "hrhub_resume_name"

_DEGREE_WORDS = [
    "bachelor", "bachelors", "master", "masters", "doctorate", "doctoral", "phd", "mba", "emba",
    "bsc", "msc", "beng", "meng", "llb", "llm", "diploma",
]  # fmt: skip
_DEGREE_ABBREVIATIONS = [
    "BA", "B.A.", "B.A", "BS", "B.S.", "B.S", "B.Sc.", "B.Sc", "BSc", "MA", "M.A.", "MS", "M.S.",
    "M.S", "M.Sc.", "M.Sc", "MSc", "MBA",
    "M.B.A.", "PhD", "Ph.D.", "Ph.D", "BEng", "MEng", "JD", "J.D.", "MD", "EMBA", "MPhil",
]  # fmt: skip
_SENIORITY = [
    "senior", "sr", "sr.", "junior", "jr", "jr.", "lead", "principal", "chief", "head", "staff",
    "associate", "assistant", "deputy", "executive", "general", "regional", "global", "vice",
]  # fmt: skip
_DOMAIN = [
    "software", "data", "product", "project", "program", "sales", "marketing", "account",
    "customer", "service", "services", "support", "operations", "finance", "financial", "hr",
    "human", "resources", "business", "research", "quality", "qa", "test", "backend", "frontend",
    "front-end", "back-end", "full-stack", "fullstack", "machine", "learning", "ml", "ai",
    "engineering", "technical", "recruitment", "recruiting", "talent", "acquisition", "systems",
    "network", "security", "cloud", "devops", "mobile", "web", "ux", "ui", "design", "content",
    "brand", "digital", "supply", "chain", "procurement", "logistics", "payroll", "training",
    "store", "branch", "office", "it", "database", "analytics", "mechanical", "electrical",
    "civil", "legal", "compliance", "risk", "audit", "tax", "investment", "credit", "client",
    "development", "infrastructure", "platform", "site", "reliability", "solutions", "team",
    "regional", "country", "area", "district", "executive",
]  # fmt: skip
_ROLE = [
    "engineer", "developer", "programmer", "manager", "director", "analyst", "scientist",
    "consultant", "specialist", "representative", "officer", "architect", "designer",
    "accountant", "administrator", "coordinator", "intern", "president", "recruiter",
    "supervisor", "vp", "ceo", "cto", "cfo", "coo", "cio", "auditor", "controller", "planner",
    "technician", "researcher", "lecturer", "professor", "teacher", "agent", "advisor",
    "adviser", "partner", "founder", "co-founder", "owner", "secretary", "clerk", "buyer",
    "trainer", "writer", "editor", "strategist", "lead", "head", "associate", "assistant",
]  # fmt: skip
_ORG_SUFFIX = [
    "Inc", "Inc.", "Ltd", "Ltd.", "LLC", "L.L.C.", "LLP", "Co", "Co.", "Corp", "Corp.",
    "Corporation", "Company", "Group", "University", "College", "Bank", "Institute", "Limited",
    "GmbH", "AG", "SA", "S.A.", "plc", "PLC", "Technologies", "Technology", "Labs", "Partners",
    "Consulting", "Systems", "Holdings", "School", "Academy", "Hospital", "Foundation",
    "Associates", "Solutions", "Software", "Studios", "Capital", "Securities", "Insurance",
]  # fmt: skip
_ORG_HEAD = ["University", "Bank", "Institute", "College", "School", "Academy"]
_PLACES = [
    "Beijing", "Shanghai", "Shenzhen", "Guangzhou", "Hangzhou", "Chengdu", "Nanjing", "Wuhan",
    "Suzhou", "Tianjin", "Xi'an", "Chongqing", "Hong Kong", "Macau", "Taipei", "Singapore",
    "Tokyo", "Seoul", "Sydney", "Melbourne", "London", "Manchester", "Edinburgh", "Dublin",
    "Paris", "Berlin", "Munich", "Amsterdam", "Zurich", "Stockholm", "New York", "Boston",
    "Chicago", "Seattle", "San Francisco", "Los Angeles", "Austin", "Toronto", "Vancouver",
    "Bangalore", "Mumbai", "Dubai", "China", "USA", "U.S.", "United States", "UK", "U.K.",
    "United Kingdom", "Canada", "Australia", "Germany", "France", "Japan", "India", "Korea",
    "Netherlands", "Switzerland", "Sweden", "Ireland", "Spain", "Italy", "Remote",
]  # fmt: skip

_CAPITALISED = r"^(?:[A-Z][A-Za-z0-9'’.\-]*|&|and|of)$"
_NAME_FIELD = re.compile(r"^\s*(?:full\s+)?name\s*[:：]\s*(?P<name>\S.*?)\s*$", re.I | re.M)
_NAME_LINE = re.compile(r"^[A-Z][a-zA-Z'’\-]+(?:\.? [A-Z][a-zA-Z'’\-]*\.?){1,3}$")
_NOT_NAMES = re.compile(
    r"\b(?:resume|résumé|curriculum|vitae|cv|profile|summary|experience|education|skills|"
    r"contact|objective|page)\b",
    re.I,
)


def _patterns() -> list[dict[str, Any]]:
    capitalised = {"TEXT": {"REGEX": _CAPITALISED}}
    patterns: list[dict[str, Any]] = []
    # EDU: "Bachelor's degree", "Master of Science", "MBA", "Ph.D.", "high school diploma"
    patterns += [
        {"label": "EDU", "pattern": [{"TEXT": {"IN": _DEGREE_ABBREVIATIONS}}]},
        {
            "label": "EDU",
            "pattern": [
                {"LOWER": {"IN": _DEGREE_WORDS}},
                {"LOWER": {"IN": ["'s", "’s", "'"]}, "OP": "?"},
                {"LOWER": "degree", "OP": "?"},
            ],
        },
        {
            "label": "EDU",
            "pattern": [
                {"LOWER": {"IN": ["bachelor", "master", "doctor"]}},
                {"LOWER": {"IN": ["'s", "’s"]}, "OP": "?"},
                {"LOWER": {"IN": ["of", "in"]}},
                {"IS_TITLE": True, "OP": "+"},
            ],
        },
        {"label": "EDU", "pattern": [{"LOWER": "associate"}, {"LOWER": {"IN": ["degree", "'s"]}}]},
        {"label": "EDU", "pattern": [{"LOWER": "high"}, {"LOWER": "school"}]},
    ]
    # TITLE: [seniority]* [domain]* role, e.g. "Senior Software Engineer", "Head of Sales"
    patterns += [
        {
            "label": "TITLE",
            "pattern": [
                {"LOWER": {"IN": _SENIORITY}, "OP": "*"},
                {"LOWER": {"IN": _DOMAIN}, "OP": "*"},
                {"LOWER": {"IN": _ROLE}},
            ],
        },
        {
            "label": "TITLE",
            "pattern": [
                {"LOWER": {"IN": ["head", "director", "vp", "manager", "president"]}},
                {"LOWER": "of"},
                {"IS_TITLE": True, "OP": "+"},
            ],
        },
    ]
    # ORG: a capitalised run ending in a suffix, or "University of X", "Bank of X"
    patterns += [
        {
            "label": "ORG",
            "pattern": [
                {"TEXT": {"REGEX": r"^[A-Z][A-Za-z0-9'’.\-]*$"}},
                {**capitalised, "OP": "*"},
                {"TEXT": {"IN": _ORG_SUFFIX}},
                {"TEXT": ".", "OP": "?"},
            ],
        },
        {
            "label": "ORG",
            "pattern": [
                {"TEXT": {"REGEX": r"^[A-Z][A-Za-z'’\-]*$"}, "OP": "*"},
                {"TEXT": {"IN": _ORG_HEAD}},
                {"LOWER": "of"},
                {"TEXT": {"REGEX": r"^[A-Z][A-Za-z'’\-]*$"}, "OP": "+"},
            ],
        },
    ]
    # LOC: a fixed list of cities and countries
    for place in _PLACES:
        words = place.replace(".", ". ").split() if place.count(".") > 1 else place.split()
        patterns.append({"label": "LOC", "pattern": [{"TEXT": w} for w in words]})
        if place.count(".") > 1:
            patterns.append({"label": "LOC", "pattern": place})
    return patterns


def find_name_span(text: str) -> tuple[int, int] | None:
    """Offsets of the candidate's name: a "Name:" field, else a name-shaped first line."""
    field = _NAME_FIELD.search(text)
    if field:
        return field.start("name"), field.end("name")
    for line_match in re.finditer(r"[^\n]+", text):
        line = line_match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = line_match.start() + line.index(stripped)
        if _NAME_LINE.match(stripped) and not _NOT_NAMES.search(stripped):
            return start, start + len(stripped)
        return None
    return None


def _name_component(doc: Doc) -> Doc:
    """Adds a NAME entity, unless the ruler already claimed those characters."""
    from spacy.util import filter_spans

    found = find_name_span(doc.text)
    if found is None:
        return doc
    span = doc.char_span(*found, label="NAME", alignment_mode="contract")
    if span is None or len(span) == 0:
        return doc
    if any(e.start < span.end and span.start < e.end for e in doc.ents):
        # A name line such as "Grace Hopper" never ends in an ORG suffix; a clash means the
        # line was not a name (e.g. "Acme Technologies"), so the ruler's reading stays.
        return doc
    doc.ents = filter_spans([*doc.ents, span])
    return doc


def english_pipeline() -> Language:
    """A new English rule pipeline (blank tokenizer + EntityRuler + NAME component)."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory(NAME_COMPONENT):
        Language.component(NAME_COMPONENT, func=_name_component)
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(_patterns())  # type: ignore[attr-defined]
    nlp.add_pipe(NAME_COMPONENT)
    return nlp


@lru_cache(maxsize=1)
def default_english() -> Language:
    """The shared English pipeline used when `parse_resume` gets none; built once a process."""
    return english_pipeline()
