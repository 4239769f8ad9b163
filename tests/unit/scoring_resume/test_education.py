"""Education levels from EDU entities and keywords, the highest one, school and major."""

from __future__ import annotations

import pytest

from hrhub.scoring.resume import EDUCATION_LEVELS, Entity, highest_level, level_of
from hrhub.scoring.resume.education import extract_education


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("博士研究生", "doctorate"),
        ("PhD in Physics", "doctorate"),
        ("Ph.D., MIT", "doctorate"),
        ("硕士研究生", "master"),
        ("研究生学历", "master"),
        ("获得MBA学位", "master"),
        ("Master of Science", "master"),
        ("MS in Computer Science", "master"),
        ("大学本科", "bachelor"),
        ("学士学位", "bachelor"),
        ("Bachelor’s degree", "bachelor"),
        ("B.Sc. in Mathematics", "bachelor"),
        ("大专", "associate"),
        ("专科学历", "associate"),
        ("Associate Degree in Nursing", "associate"),
        ("高中学历", "high_school"),
        ("中专", "high_school"),
        ("High School Diploma", "high_school"),
        ("Scrum Master", None),
        ("MS Office", None),
        ("Associate Product Manager", None),
    ],
)
def test_levels(text: str, level: str | None) -> None:
    assert level_of(text) == level


def test_highest_level() -> None:
    assert highest_level(["bachelor", None, "master", "associate"]) == "master"
    assert highest_level([]) is None
    assert EDUCATION_LEVELS == ("high_school", "associate", "bachelor", "master", "doctorate")


def test_items_with_school_major_and_dates() -> None:
    text = (
        "教育背景\n2015.09-2018.06  复旦大学  市场营销专业  硕士\n2011.09-2015.06  南京大学  本科\n"
    )
    items = extract_education(text, [])
    assert [(i.level, i.institution) for i in items] == [
        ("master", "复旦大学"),
        ("bachelor", "南京大学"),
    ]
    assert items[0].major == "市场营销"
    assert (items[0].start.year, items[0].end.year) == (2015, 2018)
    assert highest_level([i.level for i in items]) == "master"


def test_edu_entity_wins_and_titles_are_no_degree() -> None:
    text = "吴重阳，大学本科，硕士生导师"
    entities = [Entity("EDU", "大学本科", 4, 8), Entity("TITLE", "硕士生导师", 9, 14)]
    items = extract_education(text, entities)
    assert [(i.level, i.degree) for i in items] == [("bachelor", "大学本科")]
    assert extract_education("硕士生导师", [Entity("TITLE", "硕士生导师", 0, 5)]) == []


def test_english_major_is_not_the_degree_name() -> None:
    text = "Master of Science in Statistics, Stanford University"
    (item,) = extract_education(text, [Entity("ORG", "Stanford University", 33, 52)])
    assert (item.level, item.major, item.institution) == (
        "master",
        "Statistics",
        "Stanford University",
    )
