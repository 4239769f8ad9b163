"""Job profiles: the must-have grammar, loading from files, errors naming file and field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hrhub.models import Job, ScreeningWeights
from hrhub.scoring.screening import JobProfile, MustHave, ProfileError, parse_must_have

EXAMPLES = Path(__file__).resolve().parents[3] / "hrhub" / "scoring" / "screening" / "examples"


@pytest.mark.parametrize(
    ("text", "kind", "skill", "years", "level"),
    [
        ("客户服务经验>=3年", "skill_years", "customer_service", 3.0, None),
        ("客服经验≥3年", "skill_years", "customer_service", 3.0, None),
        ("客户服务经验3年以上", "skill_years", "customer_service", 3.0, None),
        ("customer service experience >= 3 years", "skill_years", "customer_service", 3, None),
        ("Python experience >= 2.5 years", "skill_years", "python", 2.5, None),
        ("工作经验>=5年", "total_years", None, 5.0, None),
        ("min_years>=4", "total_years", None, 4.0, None),
        ("本科及以上", "education", None, None, "bachelor"),
        ("硕士及以上学历", "education", None, None, "master"),
        ("bachelor or above", "education", None, None, "bachelor"),
        ("Master's degree or higher", "education", None, None, "master"),
        ("5+ years of Python experience", "skill_years", "python", 5.0, None),
        ("团队管理", "skill", "team_management", None, None),
    ],
)
def test_must_have_grammar(
    text: str, kind: str, skill: str | None, years: float | None, level: str | None
) -> None:
    assert parse_must_have(text) == MustHave(text, kind, skill, years, level)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["会开挖掘机经验>=3年", "must be nice", "experience >= lots"])
def test_an_unparseable_must_have_is_an_error_naming_it(text: str) -> None:
    with pytest.raises(ProfileError, match="must-have") as error:
        parse_must_have(text, "jobs/lead.yaml")
    assert text in str(error.value) and "jobs/lead.yaml" in str(error.value)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_yaml_maps_synonyms_to_taxonomy_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "lead.yaml",
        "title: 客服主管\nrequired_skills: [客服, 团队管理]\nmin_education: 本科\n"
        "must_haves: [客户服务经验>=3年]\nweights: {skills: 50, experience: 30, education: 10,"
        " other: 10}\nshortlist_share: 0.2\n",
    )
    profile = JobProfile.load(path)
    assert profile.job_id == "lead"
    assert profile.required_skills == ["customer_service", "team_management"]
    assert profile.min_education == "bachelor"
    assert profile.must_haves[0].skill == "customer_service"
    assert profile.weights == ScreeningWeights(skills=50, experience=30, education=10, other=10)
    assert profile.shortlist_share == 0.2


def test_load_json(tmp_path: Path) -> None:
    path = write(tmp_path, "job.json", json.dumps({"job_id": "j9", "title": "数据工程师"}))
    profile = JobProfile.load(path)
    assert (profile.job_id, profile.title, profile.shortlist_share) == ("j9", "数据工程师", 0.3)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("required_skills: [客服]\n", "title"),
        ("title: x\nweights: {skills: 50, experience: 30, education: 10, other: 0}\n", "weights"),
        ("title: x\nshortlist_share: 1.5\n", "shortlist_share"),
        ("title: x\nmin_education: 小学\n", "min_education"),
        ("title: x\nmin_years_experience: three\n", "min_years_experience"),
        ("title: x\nmust_haves: [要能吃苦]\n", "要能吃苦"),
        ("title: x\nrequired_skill: [客服]\n", "required_skill"),
        ("title: [unclosed\n", "not valid YAML"),
    ],
)
def test_load_errors_name_the_file_and_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ProfileError) as error:
        JobProfile.load(path)
    assert str(path) in str(error.value)
    assert field in str(error.value)


def test_a_missing_file_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"nope\.yaml"):
        JobProfile.load(tmp_path / "nope.yaml")


def test_from_job_maps_the_canonical_job() -> None:
    job = Job(
        source_system="successfactors",
        remote_id="42",
        modified_at=datetime(2026, 1, 1, tzinfo=UTC),
        title="客服主管",
        required_skills=["客服", "CRM"],
        min_years_experience=3,
        screening_weights=ScreeningWeights(skills=30, experience=40, education=20, other=10),
        shortlist_share=0.25,
    )
    profile = JobProfile.from_job(job, must_haves=["本科及以上"])
    assert profile.job_id == "successfactors:job:42"
    assert profile.required_skills == ["customer_service", "CRM"]  # unknown: kept as written
    assert profile.min_years_experience == 3
    assert profile.weights.experience == 40
    assert profile.shortlist_share == 0.25
    assert profile.must_haves[0].level == "bachelor"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")) or ["none"])
def test_the_shipped_examples_load(name: str) -> None:
    assert name != "none", f"no example profiles in {EXAMPLES}"
    profile = JobProfile.load(EXAMPLES / name)
    assert profile.required_skills and profile.must_haves
