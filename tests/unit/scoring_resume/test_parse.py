"""parse_resume on Chinese text (rule stand-in for the model) and the ParsedResume record."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from hrhub.models import ParsedResume
from hrhub.scoring.resume import Entity, ParsedText, Unparseable, parse_resume

from .conftest import EN_RESUME, TODAY, ZH_RESUME

MODIFIED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_chinese_resume_with_injected_pipeline(zh_nlp) -> None:
    parsed = parse_resume(ZH_RESUME.encode("gbk"), zh_nlp=zh_nlp, today=TODAY)
    assert parsed.language == "zh"
    assert parsed.name == "张伟"
    assert parsed.emails == ["zhangwei@example.com"]
    assert parsed.phones == ["13812345678"]
    assert parsed.highest_education == "bachelor"
    (school,) = parsed.education
    assert (school.institution, school.major, school.degree) == ("复旦大学", "市场营销", "本科")
    assert [(j.employer, j.title, j.current) for j in parsed.experience] == [
        ("北京星辰科技有限公司", "销售经理", True),
        ("上海远航贸易有限公司", "客服主管", False),
    ]
    # 2015.07-2019.02 and 2019.03-today; the study period 2011-2015 is not counted.
    assert parsed.years_experience == pytest.approx(11.34, abs=0.01)
    assert {"sales", "customer_service", "excel", "sql", "english"} <= {
        s.name for s in parsed.skills
    }
    assert [(a.name, a.evidence) for a in parsed.abilities] == [
        ("team_management", "带领5人团队"),
        ("sales_performance", "完成1000万业绩"),
        ("customer_service", "处理客户投诉"),
    ]
    assert parsed.sha256 == hashlib.sha256(ZH_RESUME.encode("gbk")).hexdigest()


def test_entity_offsets_point_into_the_text(zh_nlp) -> None:
    parsed = parse_resume(ZH_RESUME, zh_nlp=zh_nlp, today=TODAY)
    assert parsed.entities
    for entity in parsed.entities:
        assert parsed.text[entity.start : entity.end] == entity.text
    assert Entity("NAME", "张伟", 0, 2) in parsed.entities


def test_name_field_wins_over_entities(zh_nlp) -> None:
    parsed = parse_resume(
        "姓名：李娜\n推荐人：张伟\n2018年至今 某公司 销售", zh_nlp=zh_nlp, today=TODAY
    )
    assert parsed.name == "李娜"


def test_bad_input_raises_unparseable_before_any_model(zh_nlp) -> None:
    for data, reason in ((b"", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file")):
        with pytest.raises(Unparseable) as caught:
            parse_resume(data, zh_nlp=zh_nlp)
        assert caught.value.reason == reason


def test_to_parsed_resume_validates(zh_nlp) -> None:
    parsed = parse_resume(ZH_RESUME, zh_nlp=zh_nlp, today=TODAY)
    record = parsed.to_parsed_resume("hrhub:candidate:c1", "hrhub", "c1", MODIFIED, "resume-1")
    assert isinstance(record, ParsedResume)
    assert record.canonical_id == "hrhub:parsed_resume:c1"
    assert record.language == "zh-CN"
    assert record.education[0].institution == "复旦大学"
    assert record.education[0].degree == "本科"
    assert [w.employer for w in record.experience] == [
        "北京星辰科技有限公司",
        "上海远航贸易有限公司",
    ]
    assert record.experience[0].end_date is None  # current job
    assert "team_management" in record.skills and "sales" in record.skills
    assert record.years_experience == pytest.approx(11.34, abs=0.01)
    assert record.file_sha256 == parsed.sha256
    # Round trip through JSON validates too.
    assert ParsedResume.model_validate_json(record.model_dump_json()) == record


def test_to_parsed_resume_drops_what_the_record_cannot_hold() -> None:
    parsed = ParsedText(language="en", text="x", emails=["ok@example.com", "not-an-email"])
    parsed.phones = ["+14155550134", "12"]
    parsed.years_experience = 95.0
    record = parsed.to_parsed_resume("hrhub:candidate:c2", "hrhub", "c2", MODIFIED, "resume-1")
    assert record.emails == ["ok@example.com"]
    assert record.phones == ["+14155550134"]
    assert record.years_experience == 80.0


def test_english_resume_record_validates() -> None:
    parsed = parse_resume(EN_RESUME, today=TODAY)
    record = parsed.to_parsed_resume("hrhub:candidate:c3", "hrhub", "c3", MODIFIED, "resume-1")
    assert record.experience[0].employer == "Acme Analytics Inc."
    assert record.name == "Emily Clarke"
    assert record.education[0].degree == "Master of Science"


def test_the_name_is_a_first_line_alone_never_a_field_label_or_heading() -> None:
    import spacy

    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("entity_ruler")  # a model that mistakes field labels for names
    ruler.add_patterns([{"label": "NAME", "pattern": p} for p in ("电话", "证书", "李娜")])
    first_line = parse_resume("王芳\n电话：13900001234\n证书\n英语六级\n", zh_nlp=nlp)
    assert first_line.name == "王芳"
    assert [e.text for e in first_line.entities] == []  # 电话 dropped, the heading not run
    under_heading = parse_resume("个人简历\n电话：13900001234\n李娜，女，汉族\n", zh_nlp=nlp)
    assert under_heading.name == "李娜"
    only_labels = parse_resume("电话：13900001234\n负责客户服务工作，沟通协调\n", zh_nlp=nlp)
    assert only_labels.name is None
