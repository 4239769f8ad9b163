"""Family rubrics: every shipped one loads; every kind of mistake is reported as file:line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from hrhub.scoring.interview import (
    COMPETENCIES,
    FAMILIES,
    FAMILIES_DIR,
    QUESTION_BANK,
    SCHEMA_PATH,
    CompetencyModelError,
    load_competency_model,
)

GOOD = """\
family: tiny
version: "0.1"
competencies:
  - id: communication
    weight: 60
    indicators:
      - id: clarity
        zh: [解释]
        en: [explained]
  - id: customer_focus
    weight: 40
    indicators:
      - id: empathy
        zh: [理解您的心情]
        en: [understand how you feel]
question_map:
  q_complaint: [communication, customer_focus]
thresholds:
  pass: 80
  hold: 40
"""


def write(tmp_path: Path, text: str, name: str = "tiny.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mistake(tmp_path: Path, text: str) -> CompetencyModelError:
    path = write(tmp_path, text)
    with pytest.raises(CompetencyModelError) as info:
        load_competency_model(path)
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}:")
    return info.value


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


@pytest.mark.parametrize("family", FAMILIES)
def test_every_shipped_family_loads_by_name_and_by_path(family: str) -> None:
    model = load_competency_model(family)
    path = FAMILIES_DIR / f"{family}.yaml"
    assert load_competency_model(path) == model
    assert model.family == family
    assert sum(c.weight for c in model.competencies) == pytest.approx(100)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert model.rubric_version == f"{family}@{model.version}+{sha[:8]}"
    assert (model.pass_at, model.hold_at, model.review_rejects) == (70, 50, True)
    for competency in model.competencies:
        assert competency.id in COMPETENCIES
        assert model.questions_for(competency.id), f"{competency.id} has no question"
        for indicator in competency.indicators:
            assert indicator.zh and indicator.en
    for question_id, competencies in model.question_map.items():
        assert set(competencies) <= set(QUESTION_BANK[question_id].competencies)


def test_the_shipped_families_are_the_files_and_follow_the_brief() -> None:
    assert sorted(p.stem for p in FAMILIES_DIR.glob("*.yaml")) == sorted(FAMILIES)
    sales = {c.id: c.weight for c in load_competency_model("sales").competencies}
    assert sales["communication"] == 30 and sales["sales_skill"] == 40
    empathy = load_competency_model("customer_service").competency("customer_focus").indicators[0]
    assert "理解您的心情" in empathy.zh and "understand how you feel" in empathy.en
    assert empathy.pattern.search("I really understand how you feel about it")


def test_the_schema_is_2020_12_and_names_the_bank_competencies() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$defs"]["competency_id"]["enum"] == list(COMPETENCIES)
    for question in QUESTION_BANK.values():
        assert set(question.competencies) <= set(COMPETENCIES)


def test_a_good_custom_file_loads_with_its_thresholds(tmp_path: Path) -> None:
    model = load_competency_model(write(tmp_path, GOOD))
    assert (model.family, model.version, model.pass_at, model.hold_at) == ("tiny", "0.1", 80, 40)
    assert model.review_rejects is True  # the default
    assert model.questions_for("customer_focus") == ("q_complaint",)


def test_weights_not_adding_up_to_100_name_the_competencies_line(tmp_path: Path) -> None:
    text = GOOD.replace("weight: 40", "weight: 30")
    error = mistake(tmp_path, text)
    assert error.line == line_of(text, "competencies:")
    assert "add up to 100, got 90" in error.reason
    assert "communication 60 + customer_focus 30" in error.reason


def test_an_unknown_question_id_names_its_line(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  q_complaint: [communication, customer_focus]\n",
        "  q_complaint: [communication, customer_focus]\n  q_hobbies: [communication]\n",
    )
    error = mistake(tmp_path, text)
    assert error.line == line_of(text, "q_hobbies")
    assert "unknown question id 'q_hobbies'" in error.reason and "q_complaint" in error.reason


def test_a_duplicate_competency_names_the_second_one(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: customer_focus\n", "  - id: communication\n")
    error = mistake(tmp_path, text)
    first = line_of(text, "- id: communication", 1)
    assert error.line == line_of(text, "- id: communication", 2)
    assert error.reason == f"duplicate competency 'communication' (first at line {first})"


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        ("    weight: 60\n", "    weight: 60\n    colour: red\n", "colour", "unknown key 'colour'"),
        ("weight: 60", "weight: sixty", "weight: sixty", "'sixty' is not a number"),
        (
            "  - id: customer_focus",
            "  - id: empathy",
            "id: empathy",
            "unknown competency 'empathy'",
        ),
        ('version: "0.1"', "version: 0.1", "version:", "0.1 is not text (quote it"),
        ("        zh: [解释]\n", "        zh: []\n", "zh: []", "should be non-empty"),
        ("  q_complaint:", "  complaint:", "complaint:", "must look like q_name"),
    ],
)
def test_schema_mistakes_name_the_line_of_the_offending_key(
    tmp_path: Path, old: str, new: str, needle: str, words: str
) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    error = mistake(tmp_path, text)
    assert error.line == line_of(text, needle)
    assert words in error.reason


def test_a_missing_required_key_names_its_parent(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    indicators:\n      - id: clarity\n        zh: [解释]\n        en: [explained]\n", ""
    )
    error = mistake(tmp_path, text)
    assert error.line == line_of(text, "- id: communication")
    assert "'indicators' is a required property" in error.reason


def test_a_question_mapped_to_a_competency_it_cannot_evidence(tmp_path: Path) -> None:
    text = GOOD.replace("q_complaint:", "q_team:")
    error = mistake(tmp_path, text)
    assert error.line == line_of(text, "q_team")
    assert "q_team cannot evidence 'customer_focus'" in str(error)
    assert "leadership, communication" in str(error)


def test_a_competency_no_question_evidences_and_one_not_in_the_family(tmp_path: Path) -> None:
    text = GOOD.replace("[communication, customer_focus]", "[communication, problem_solving]")
    error = mistake(tmp_path, text)
    assert len(error.problems) == 2
    assert error.problems[0] == (
        f"{tmp_path / 'tiny.yaml'}:{line_of(text, '- id: customer_focus')}: "
        "competency 'customer_focus' is evidenced by no question in question_map"
    )
    assert (
        f":{line_of(text, 'q_complaint')}: q_complaint maps to 'problem_solving'"
        in (error.problems[1])
    )


def test_hold_above_pass_names_the_hold_line(tmp_path: Path) -> None:
    text = GOOD.replace("hold: 40", "hold: 90")
    error = mistake(tmp_path, text)
    assert error.line == line_of(text, "hold: 90")
    assert "hold (90) must not be above pass (80)" in error.reason


def test_yaml_syntax_errors_and_duplicate_keys_name_the_line(tmp_path: Path) -> None:
    broken = GOOD.replace("    weight: 40\n", "    weight: [40\n")
    error = mistake(tmp_path, broken)
    assert error.line is not None and error.line >= line_of(broken, "weight: [40")
    assert "invalid YAML" in error.reason
    doubled = GOOD.replace('version: "0.1"\n', 'version: "0.1"\nversion: "0.2"\n')
    error = mistake(tmp_path, doubled)
    assert error.line == line_of(doubled, 'version: "0.2"')
    assert "duplicate key 'version' (first at line 2)" in error.reason


def test_every_mistake_is_listed_first_one_first(tmp_path: Path) -> None:
    text = GOOD.replace("weight: 60", "weight: 'x'").replace("hold: 40", "hold: 400")
    error = mistake(tmp_path, text)
    lines = [int(p.split(":")[1]) for p in error.problems]
    assert lines == sorted(lines) and len(lines) == 2
    assert lines == [line_of(text, "weight: 'x'"), line_of(text, "hold: 400")]


def test_unknown_family_empty_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(CompetencyModelError, match="unknown job family 'plumbing'; known: "):
        load_competency_model("plumbing")
    with pytest.raises(CompetencyModelError, match="the file is empty"):
        load_competency_model(write(tmp_path, "# nothing\n"))
    with pytest.raises(CompetencyModelError, match="cannot read"):
        load_competency_model(tmp_path / "absent.yaml")
    (tmp_path / "latin1.yaml").write_bytes("family: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CompetencyModelError, match=r"not UTF-8 text \(byte 11\)"):
        load_competency_model(tmp_path / "latin1.yaml")
    assert issubclass(CompetencyModelError, ValueError)
