"""The shared interview question bank and the competency ids the rubric scores.

The interview room asks these questions, the audio fixtures speak answers to them and the
family rubrics map them to competencies: the ids are the contract between the three. A question
says which competencies it can evidence, so a rubric cannot claim, say, technical depth from
"why do you want to join us".
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["COMPETENCIES", "QUESTION_BANK", "Question", "competency_name", "question_text"]


@dataclass(frozen=True)
class Question:
    """One question of the bank, in both languages.

    `behavioural` questions ask for a past experience, so the answer is expected to tell a
    story (situation, task, action, result); the others (motivation) are not judged on STAR.
    """

    id: str
    zh: str
    en: str
    competencies: tuple[str, ...]
    behavioural: bool = True


COMPETENCIES: MappingProxyType[str, dict[str, str]] = MappingProxyType(
    {
        "communication": {"zh": "沟通表达", "en": "communication"},
        "customer_focus": {"zh": "客户导向", "en": "customer focus"},
        "problem_solving": {"zh": "问题解决", "en": "problem solving"},
        "leadership": {"zh": "团队领导", "en": "leadership"},
        "sales_skill": {"zh": "销售能力", "en": "sales skill"},
        "technical_depth": {"zh": "技术深度", "en": "technical depth"},
        "motivation": {"zh": "求职动机", "en": "motivation"},
    }
)
"""Language-neutral competency id -> its name in zh and en (what the candidate reads)."""

QUESTION_BANK: MappingProxyType[str, Question] = MappingProxyType(
    {
        q.id: q
        for q in (
            Question(
                "q_complaint",
                "请讲一次你处理客户投诉的经历。",
                "Tell us about a time you handled a customer complaint.",
                ("communication", "customer_focus", "problem_solving"),
            ),
            Question(
                "q_team",
                "请描述一次你带领团队完成目标的经历。",
                "Describe a time you led a team to reach a goal.",
                ("leadership", "communication"),
            ),
            Question(
                "q_sales",
                "请介绍一次你超额完成销售目标的经历。",
                "Tell us about a time you exceeded a sales target.",
                ("sales_skill", "customer_focus"),
            ),
            Question(
                "q_pipeline",
                "请介绍一个你搭建的数据管道项目。",
                "Describe a data pipeline you built.",
                ("technical_depth", "problem_solving"),
            ),
            Question(
                "q_motivation",
                "你为什么想加入我们？",
                "Why do you want to join us?",
                ("motivation", "communication"),
                behavioural=False,
            ),
        )
    }
)


def competency_name(competency: str, language: str) -> str:
    """Display name of a competency in "zh" or "en" (the id itself when unknown)."""
    return COMPETENCIES.get(competency, {}).get(language, competency)


def question_text(question_id: str, language: str) -> str | None:
    """The bank's wording of a question in "zh" or "en"; None for a question not in the bank."""
    question = QUESTION_BANK.get(question_id)
    if question is None:
        return None
    return question.zh if language == "zh" else question.en
