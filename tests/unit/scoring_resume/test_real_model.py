"""parse_resume with the shipped Chinese NER model (hrhub/scoring/models/resume_ner/) on a
realistic Chinese resume. Skipped, saying why, until the model is built."""

from __future__ import annotations

import re

import pytest

from hrhub.scoring.ner import MODEL_DIR, TRAIN_COMMAND, load_resume_ner
from hrhub.scoring.resume import experience_in, parse_resume
from hrhub.scoring.resume.parse import FIELD_LABELS, find_entities
from hrhub.scoring.resume.records import Entity
from hrhub.scoring.resume.sections import heading_kind

from .conftest import TODAY

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / "config.cfg").is_file() or not (MODEL_DIR / "meta.json").is_file(),
    reason=f"no Chinese resume NER model at {MODEL_DIR}; build it with `{TRAIN_COMMAND}`",
)

RESUME = """王芳
电话：139-0000-1234  邮箱：wangfang@example.com
王芳女士，1985年出生，中国国籍，汉族，硕士研究生学历，高级经济师。

工作经历
2016年3月至今，任杭州云帆网络科技有限公司客户服务总监，带领20人团队完成3000万业绩。
2010年7月至2016年2月，任浙江华信电子商务有限公司客服经理，负责客户服务体系建设。

教育背景
2007年9月至2010年6月，就读于浙江大学，工商管理专业，硕士研究生。
"""


@pytest.fixture(scope="module")
def parsed():
    # No zh_nlp: the default is load_resume_ner(), the shipped model.
    return parse_resume(RESUME, today=TODAY)


def test_entities_of_the_real_model(parsed) -> None:
    labels = {e.label for e in parsed.entities}
    assert {"NAME", "ORG", "TITLE", "EDU"} <= labels
    for entity in parsed.entities:
        assert parsed.text[entity.start : entity.end] == entity.text
    orgs = [e.text for e in parsed.entities if e.label == "ORG"]
    assert any("云帆" in org for org in orgs), orgs
    assert any("浙江大学" in org for org in orgs), orgs
    titles = [e.text for e in parsed.entities if e.label == "TITLE"]
    assert any("总监" in title for title in titles), titles


def test_fields_derived_from_the_real_model(parsed) -> None:
    assert parsed.language == "zh"
    assert parsed.name == "王芳"
    assert parsed.emails == ["wangfang@example.com"]
    assert parsed.phones == ["13900001234"]
    assert parsed.highest_education == "master"
    assert any(item.institution and "浙江大学" in item.institution for item in parsed.education)
    assert len(parsed.experience) == 2  # the study period is not a job
    current, earlier = parsed.experience
    assert current.current and "云帆" in (current.employer or "")
    assert "华信" in (earlier.employer or "")
    assert "总监" in (current.title or "")
    # 2010.07 to today, less the month 2016.02-2016.03.
    assert parsed.years_experience == pytest.approx(16.34, abs=0.05)
    assert "customer_service" in {s.name for s in parsed.skills}
    assert {"team_management", "sales_performance"} <= {a.name for a in parsed.abilities}
    assert experience_in(parsed, "客户服务") == pytest.approx(16.34, abs=0.05)


def test_record_from_the_real_model_validates(parsed) -> None:
    from datetime import UTC, datetime

    record = parsed.to_parsed_resume(
        "hrhub:candidate:wf", "hrhub", "wf", datetime(2026, 11, 30, tzinfo=UTC), "resume-1"
    )
    assert record.language == "zh-CN"
    assert record.experience and record.experience[0].end_date is None


def _through_docs(nlp, text: str) -> list[Entity]:
    """The entities spaCy Docs carry, line by line (what `find_entities` asks the CRF for
    directly), field labels taken for names dropped as the parser does."""
    found = []
    for line in re.finditer(r"[^\n]*\S[^\n]*", text):
        if heading_kind(line.group()) is not None:
            continue
        for ent in nlp(line.group()).ents:
            if not (ent.label_ == "NAME" and ent.text.strip() in FIELD_LABELS):
                start, end = line.start() + ent.start_char, line.start() + ent.end_char
                found.append(Entity(ent.label_, ent.text, start, end))
    return found


def test_the_taggers_spans_are_the_ones_its_docs_carry() -> None:
    """The parser skips building a Doc per line for the CRF; it must find what Docs would,
    whitespace runs and all, on the sample and on every simulator resume."""
    from connectors.successfactors.simulator import SuccessFactorsSimulator

    nlp = load_resume_ner()
    sim = SuccessFactorsSimulator(candidates=120, requisitions=8)
    texts = [RESUME, RESUME.replace("，", "  "), RESUME.replace("任", "\t任 ")]
    texts += [sim.resume_text(a["applicationId"]) for a in sim.tables["JobApplication"].values()]
    entities = 0
    for text in texts:
        direct = find_entities(nlp, text)
        assert direct == _through_docs(nlp, text), text
        entities += len(direct)
    assert entities > 2 * len(texts)  # resumes full of entities: the check has teeth
