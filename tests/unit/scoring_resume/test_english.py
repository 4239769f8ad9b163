"""The English rule pipeline and a realistic English resume end to end."""

from __future__ import annotations

import pytest

from hrhub.scoring.resume import english_pipeline, experience_in, find_contacts, parse_resume

from .conftest import EN_RESUME, TODAY


@pytest.fixture(scope="module")
def en_nlp():
    return english_pipeline()


def ents(nlp, text: str) -> list[tuple[str, str]]:
    return [(e.label_, e.text) for e in nlp(text).ents]


def test_rules_for_each_label(en_nlp) -> None:
    assert ents(
        en_nlp, "Name: Grace Hopper\nSenior Software Engineer at Acme Technologies Inc."
    ) == [
        ("NAME", "Grace Hopper"),
        ("TITLE", "Senior Software Engineer"),
        ("ORG", "Acme Technologies Inc."),
    ]
    assert ents(en_nlp, "MBA, University of Oxford; Ph.D. in Physics") == [
        ("EDU", "MBA"),
        ("ORG", "University of Oxford"),
        ("EDU", "Ph.D."),
    ]
    assert ents(en_nlp, "Head of Customer Support, Bank of China, Hong Kong") == [
        ("TITLE", "Head of Customer Support"),
        ("ORG", "Bank of China"),
        ("LOC", "Hong Kong"),
    ]


def test_name_from_first_line_only_when_it_looks_like_a_name(en_nlp) -> None:
    assert ents(en_nlp, "John A. Smith\nData Analyst")[0] == ("NAME", "John A. Smith")
    assert ("NAME", "Curriculum Vitae") not in ents(en_nlp, "Curriculum Vitae\nJohn Smith")
    assert not any(label == "NAME" for label, _ in ents(en_nlp, "Experienced engineer, 5 years"))


def test_contacts_in_both_languages() -> None:
    text = "电话：138-1234-5678 / +86 139 1234 5678\nzhang.wei@example.com (021) 6123 4567\n"
    text += "Tel +1 (415) 555-0134, 415.555.0199; 13812345678@qq.com; 2015.03-2018.06"
    emails, phones = find_contacts(text)
    assert emails == ["zhang.wei@example.com", "13812345678@qq.com"]
    assert phones == ["13812345678", "+8613912345678", "02161234567", "+14155550134", "4155550199"]


def test_realistic_english_resume(en_nlp) -> None:
    parsed = parse_resume(EN_RESUME, en_nlp=en_nlp, today=TODAY)
    assert parsed.language == "en"
    assert parsed.name == "Emily Clarke"
    assert parsed.emails == ["emily.clarke@example.com"]
    assert parsed.phones == ["+14155550134"]
    assert parsed.highest_education == "master"
    assert [(e.level, e.institution, e.major) for e in parsed.education] == [
        ("master", "Stanford University", "Statistics"),
        ("bachelor", "University of California", "Mathematics"),
    ]
    jobs = [(j.employer, j.title, j.start.isoformat(), j.current) for j in parsed.experience]
    assert jobs == [
        ("Acme Analytics Inc.", "Senior Data Scientist", "2019-03-01", True),
        ("Bank of America", "Data Analyst", "2015-06-01", False),
        ("Northwind Traders Ltd", "Support Specialist", "2014-01-01", False),
    ]
    # 2014-01 to today (12.91 years), the 2015 overlap counted once, less the gap
    # 2019-02..2019-03 (one month).
    assert parsed.years_experience == pytest.approx(12.84, abs=0.01)
    skills = {hit.name for hit in parsed.skills}
    assert {"python", "sql", "machine_learning", "spark", "customer_service", "excel"} <= skills
    assert {(a.name, a.evidence) for a in parsed.abilities} == {
        ("team_management", "Led a team of 5"),
        ("budget_management", "managed a $2M budget"),
    }
    assert experience_in(parsed, "customer service") == pytest.approx(3.67, abs=0.01)
    # The employer line above a range belongs to that range's item, not the previous one.
    northwind = parsed.experience[2]
    assert parsed.item_text(northwind).startswith("Northwind Traders Ltd\n")
    assert "Northwind" not in parsed.item_text(parsed.experience[1])


def test_default_english_pipeline_is_used_when_none_given() -> None:
    assert parse_resume(EN_RESUME, today=TODAY).name == "Emily Clarke"
