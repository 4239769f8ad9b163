"""Skills taxonomy: synonyms in both languages, word boundaries, implied abilities, years."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from hrhub.scoring.resume import (
    SKILLS_FILE,
    abilities_for,
    canonical_skill,
    experience_in,
    parse_resume,
    skills_for,
)
from hrhub.scoring.resume.skills import _compile, load_taxonomy

from .conftest import EN_RESUME, TODAY, ZH_RESUME


def names(hits) -> list[str]:
    return [hit.name for hit in hits]


def test_taxonomy_has_about_sixty_skills_each_with_synonyms() -> None:
    data = yaml.safe_load(SKILLS_FILE.read_text(encoding="utf-8"))
    assert 55 <= len(data["skills"]) <= 80
    for required in ("python", "java", "sql", "spark", "machine_learning", "data_analysis",
                     "customer_service", "sales", "project_management", "team_management",
                     "finance", "accounting", "recruiting"):  # fmt: skip
        assert required in data["skills"]


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("客户服务", "customer_service"),
        ("客服", "customer_service"),
        ("Customer Service", "customer_service"),
        ("customer support", "customer_service"),
        ("机器学习", "machine_learning"),
        ("Machine Learning", "machine_learning"),
        ("数据分析", "data_analysis"),
        ("data analysis", "data_analysis"),
        ("销售", "sales"),
        ("Sales", "sales"),
        ("项目管理", "project_management"),
        ("Project Management", "project_management"),
        ("招聘", "recruiting"),
        ("talent acquisition", "recruiting"),
        ("会计", "accounting"),
        ("财务", "finance"),
    ],
)
def test_synonyms_in_both_languages_map_to_one_name(text: str, skill: str) -> None:
    assert names(skills_for(f"具备{text}经验")) == [skill]
    assert names(skills_for(f"Experience: {text}.")) == [skill]
    assert canonical_skill(text) == skill


def test_latin_synonyms_need_word_boundaries() -> None:
    assert names(skills_for("JavaScript and TypeScript")) == ["javascript", "typescript"]
    assert "java" not in names(skills_for("javascript"))
    assert names(skills_for("Java, C++/Python")) == ["java", "cpp", "python"]
    assert names(skills_for("熟悉Java和SQL")) == ["java", "sql"]
    assert skills_for("mysqldump sparkle pythonic") == []
    hit = next(h for h in skills_for("Spark SQL") if h.name == "spark")
    assert hit.evidence == "Spark SQL"


def test_implied_abilities_with_evidence() -> None:
    text = "带领5人团队完成1000万业绩"
    assert "团队管理" not in text
    abilities = abilities_for(text)
    assert [(a.name, a.evidence) for a in abilities] == [
        ("team_management", "带领5人团队"),
        ("sales_performance", "完成1000万业绩"),
    ]
    english = abilities_for(
        "Led a team of 8 engineers. Managed a $2M budget. Achieved $3.5M in annual sales."
    )
    assert [(a.name, a.evidence) for a in english] == [
        ("team_management", "Led a team of 8 engineers"),
        ("budget_management", "Managed a $2M budget"),
        ("sales_performance", "Achieved $3.5M in annual sales"),
    ]
    assert abilities_for("负责团队文化建设，参与销售会议") == []


@pytest.mark.parametrize(
    ("text", "ability"),
    [
        ("管理30余人的销售团队", "team_management"),
        ("领导研发团队12人", "team_management"),
        ("supervised 12 customer service agents", "team_management"),
        ("年销售额达5000万元", "sales_performance"),
        ("delivered 130% of annual quota", "sales_performance"),
        ("负责部门年度预算编制与控制", "budget_management"),
        ("负责处理客户投诉", "customer_service"),
        ("resolved customer tickets", "customer_service"),
        ("全年招聘120名员工", "recruiting"),
        ("主导ERP项目实施", "project_management"),
    ],
)
def test_more_ability_rules(text: str, ability: str) -> None:
    assert ability in names(abilities_for(text))


def test_experience_in_a_skill(zh_nlp) -> None:
    parsed = parse_resume(ZH_RESUME, zh_nlp=zh_nlp, today=TODAY)
    # Only the 2015.07-2019.02 job (客服主管, 客户服务) shows customer service.
    assert experience_in(parsed, "客户服务") == pytest.approx(3.59, abs=0.01)
    assert experience_in(parsed, "customer_service") == experience_in(parsed, "客服")
    # team_management is implied (带领5人团队) on the current job: 2019.03 to today.
    assert experience_in(parsed, "team_management") == pytest.approx(7.75, abs=0.01)
    assert experience_in(parsed, "python") == 0.0
    with pytest.raises(KeyError, match="unknown skill 'underwater basket weaving'"):
        experience_in(parsed, "underwater basket weaving")


def test_experience_in_without_dated_jobs_is_unknown(zh_nlp) -> None:
    parsed = parse_resume("张伟，擅长客户服务。", zh_nlp=zh_nlp, today=date(2024, 1, 1))
    assert experience_in(parsed, "customer_service") is None


def test_bad_taxonomy_names_the_entry() -> None:
    with pytest.raises(ValueError, match="skill 'empty' has no zh or en synonyms"):
        _compile({"skills": {"empty": {"zh": [], "en": []}}}, "x.yaml")
    with pytest.raises(ValueError, match="ability 'x' pattern"):
        _compile({"skills": {}, "abilities": [{"ability": "x", "patterns": ["("]}]}, "x.yaml")


def _every_pattern(text: str) -> list[str]:
    """What `skills_for` finds when every skill's pattern is searched, in first-match order."""
    taxonomy = load_taxonomy()
    found = [(m.start(), name) for name, p in taxonomy.skills.items() if (m := p.search(text))]
    return [name for _, name in sorted(found)]


def test_the_first_word_precheck_never_drops_a_hit() -> None:
    """`skills_for` skips a skill's regex when none of its synonyms' first words is in the
    case-folded text; the hits must equal searching every pattern, on every synonym written in
    odd case, across line breaks, and inside the sample resumes."""
    taxonomy = load_taxonomy()
    words = [w for w, _ in sorted(taxonomy.synonyms.items())]
    texts = [ZH_RESUME, EN_RESUME, ZH_RESUME.upper(), EN_RESUME.swapcase()]
    broken = [w.replace(" ", "\n  ") for w in words]  # a synonym's words across a line break
    texts += [f"熟悉{w.upper()}与{w.title()}，{b}。" for w, b in zip(words, broken, strict=True)]
    texts.append("KELVIN-SIGN \u212aubernetes and long-s \u017fpark, JAVASCRIPT not java")
    checked = 0
    for text in texts:
        assert names(skills_for(text)) == _every_pattern(text), text
        checked += bool(_every_pattern(text))
    assert checked > len(words) // 2  # most texts do hold skills: the comparison has teeth
