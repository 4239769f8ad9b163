"""Resume claims the answers do not support are flagged with the resume quote; no penalty."""

from __future__ import annotations

from datetime import date

import pytest

from hrhub.models import ParsedResume
from hrhub.scoring.interview import (
    CompetencyModel,
    candidate_segments,
    check_claims,
    load_competency_model,
    read_answer,
    resume_claims,
    score_interview,
)
from hrhub.scoring.resume import ParsedText, abilities_for, parse_resume

from .transcripts import EN_STRONG, ENDED, ZH_STRONG, analysis

ZH_RESUME = """工作经历
2019.03-至今 上海华信电子商务有限公司 销售主管
领导过8人团队，完成1000万业绩，管理年度预算200万元。
负责处理客户投诉并跟进回访。
"""

EN_RESUME = """Emily Clarke
emily@example.com

Experience
Mar 2019 - Present  Sales Manager, Northwind Trading Ltd
Led a team of 8 support agents across the east region.
Generated $2 million in new revenue in 2023.

Education
2011 - 2015 BSc Marketing, University of Leeds
"""


@pytest.fixture(scope="module")
def sales() -> CompetencyModel:
    return load_competency_model("sales")


def zh_parsed(text: str = ZH_RESUME) -> ParsedText:
    """What the resume parser yields for the claims: the text and its implied abilities."""
    return ParsedText(language="zh", text=text, abilities=abilities_for(text))


def by_ability(scored) -> dict:
    return {claim.ability: claim for claim in scored.claims}


def test_quantified_abilities_are_the_claims_generic_ones_are_not() -> None:
    claims, notes = resume_claims(zh_parsed())
    assert notes == []
    assert [(c.ability, c.quote, c.figures) for c in claims] == [
        ("team_management", "领导过8人团队", ((8.0, False),)),
        ("sales_performance", "完成1000万业绩", ((10_000_000.0, False),)),
        ("budget_management", "预算200万元", ((2_000_000.0, False),)),
    ]  # 处理客户投诉 is an ability without a figure: nothing to check


def test_a_supported_claim_is_not_flagged_and_unsupported_ones_are(sales: CompetencyModel) -> None:
    # ZH_STRONG: "2023年我带领一个8人的客服小组" and "季度业绩达到620万".
    scored = score_interview(analysis(ZH_STRONG), sales, resume=zh_parsed())
    claims = by_ability(scored)
    team = claims["team_management"]
    assert team.supported and team.question_id == "q_team" and "8人" in (team.answer_quote or "")
    sales_claim = claims["sales_performance"]
    assert not sales_claim.supported and sales_claim.resume_quote == "完成1000万业绩"
    assert sales_claim.reason == "an answer gives a different figure"
    assert "620万" in (sales_claim.answer_quote or "")
    budget = claims["budget_management"]
    assert not budget.supported and budget.reason == "no answer mentions it"
    assert budget.resume_quote == "预算200万元" and budget.answer_quote is None
    flags = scored.consistency_flags
    assert [f.ability for f in flags] == ["sales_performance", "budget_management"]


def test_flags_change_no_score_and_send_nobody_to_review_on_their_own(
    sales: CompetencyModel,
) -> None:
    with_resume = score_interview(analysis(ZH_STRONG), sales, resume=zh_parsed()).result
    without = score_interview(analysis(ZH_STRONG), sales).result
    assert with_resume == without


def test_english_resume_through_the_real_parser(sales: CompetencyModel) -> None:
    parsed = parse_resume(EN_RESUME, today=date(2026, 3, 1))
    scored = score_interview(analysis(EN_STRONG, language="en"), sales, resume=parsed)
    claims = by_ability(scored)
    assert claims["team_management"].supported  # "I led a team of 8 support agents"
    assert claims["team_management"].resume_quote == "Led a team of 8 support agents"
    revenue = claims["sales_performance"]
    assert not revenue.supported and revenue.resume_quote == "Generated $2 million in new revenue"


def test_claims_and_answers_match_across_languages_and_numerals() -> None:
    said = "In 2021 I led a team of eight agents through a busy season."
    segments = candidate_segments(analysis({"q_team": said}, language="en").segments)
    answers = {qid: read_answer(qid, segs, "en") for qid, segs in segments.items()}
    claims, _ = resume_claims(zh_parsed())
    checks = {c.ability: c for c in check_claims(claims, answers)}
    assert checks["team_management"].supported  # 领导过8人团队 == a team of eight
    ten = zh_parsed("带领十人团队完成年度目标。")
    (claim,) = resume_claims(ten)[0]
    assert claim.figures == ((10.0, False),)
    (check,) = check_claims([claim], answers)
    assert not check.supported and check.reason == "an answer gives a different figure"


def test_the_canonical_parsed_resume_is_read_from_its_raw_text() -> None:
    record = ParsedResume(
        source_system="hrhub",
        remote_id="r1",
        modified_at=ENDED,
        candidate_id="successfactors:candidate:C1",
        parser_version="test",
        raw={"text": ZH_RESUME},
    )
    claims, notes = resume_claims(record)
    assert [c.ability for c in claims] == [
        "team_management",
        "sales_performance",
        "budget_management",
    ]
    assert notes == []
    bare = record.model_copy(update={"raw": {}})
    assert resume_claims(bare) == (
        [],
        ["resume hrhub:parsed_resume:r1 carries no text (raw.text): claims not checked"],
    )
    assert resume_claims(EN_RESUME)[0]  # plain text works too


def test_a_share_does_not_back_a_head_count() -> None:
    """带领30人团队 is not backed by an answer whose only 30 is a percentage (百分之30)."""
    said = "我带五人团队上线新系统，每天站会跟进风险，提前两周上线，效率提高百分之30。"
    segments = candidate_segments(analysis({"q_team": said}).segments)
    answers = {qid: read_answer(qid, segs, "zh") for qid, segs in segments.items()}
    (claim,) = resume_claims(zh_parsed("带领30人团队。"))[0]
    (check,) = check_claims([claim], answers)
    assert not check.supported and check.reason == "an answer gives a different figure"
