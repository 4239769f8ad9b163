"""Reading and parsing one resume in Chinese or English (issue 7).

`parse_resume(data)` reads bytes or text (`read_resume`: encodings, bad input -> `Unparseable`
with a reason), runs the Chinese NER model or the English rule pipeline, and extracts contacts,
education, dated experience, skills from `skills.yaml` and implied abilities, each with the
text that shows it. spaCy is imported only when a pipeline is built or loaded.
"""

from __future__ import annotations

from hrhub.scoring.resume.contacts import find_contacts, find_emails, find_phones
from hrhub.scoring.resume.education import highest_level, level_of
from hrhub.scoring.resume.english import english_pipeline
from hrhub.scoring.resume.experience import find_ranges, union_years
from hrhub.scoring.resume.parse import parse_resume
from hrhub.scoring.resume.read import (
    DEFAULT_MAX_BYTES,
    ResumeText,
    Unparseable,
    detect_language,
    read_resume,
)
from hrhub.scoring.resume.records import (
    EDUCATION_LEVELS,
    EducationItem,
    Entity,
    ExperienceItem,
    ParsedText,
    SkillHit,
)
from hrhub.scoring.resume.skills import (
    SKILLS_FILE,
    abilities_for,
    canonical_skill,
    experience_in,
    load_taxonomy,
    skills_for,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "EDUCATION_LEVELS",
    "SKILLS_FILE",
    "EducationItem",
    "Entity",
    "ExperienceItem",
    "ParsedText",
    "ResumeText",
    "SkillHit",
    "Unparseable",
    "abilities_for",
    "canonical_skill",
    "detect_language",
    "english_pipeline",
    "experience_in",
    "find_contacts",
    "find_emails",
    "find_phones",
    "find_ranges",
    "highest_level",
    "level_of",
    "load_taxonomy",
    "parse_resume",
    "read_resume",
    "skills_for",
    "union_years",
]
