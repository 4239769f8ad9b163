"""The explanation a candidate can read (PIPL art. 24), in the interview's language.

It says the overall score and the decision with the family's thresholds, the strongest
competencies with the candidate's own words, the weakest with what was missing, questions
left unanswered, whether pace and pauses counted (only with consent), and whether a person
will review. It names no feature jargon (MTLD, Jaccard) and nothing about the person.
"""

from __future__ import annotations

from dataclasses import dataclass

from hrhub.models import Decision
from hrhub.scoring.interview.competency_model import CompetencyModel
from hrhub.scoring.interview.questions import competency_name, question_text

__all__ = ["CompetencyNote", "explain"]

STRONG_FROM = 60.0  # a competency at or above this may be named as a strength
WEAK_BELOW = 70.0  # below this, and with something missing, it is named as a weakness
QUOTE_CHARS = 50

_DECISION = {
    "zh": {Decision.PASS: "通过", Decision.HOLD: "待定", Decision.REJECT: "未通过"},
    "en": {Decision.PASS: "pass", Decision.HOLD: "hold", Decision.REJECT: "not passed"},
}
_FAMILY_ZH = {"sales": "销售", "customer_service": "客户服务", "data_engineering": "数据工程"}
_WEAK = {
    "unanswered": ("相关问题没有得到有效回答", "the questions on it were not answered"),
    "short": ("回答较简短，细节不足", "the answers were short, with few details"),
    "no_result": (
        "没有说明最终结果或可衡量的成果",
        "the answers did not state an outcome or a measurable result",
    ),
    "structure": (
        "经历描述不完整（背景、任务、行动、结果）",
        "the stories missed parts of situation, task, action and result",
    ),
    "vague": ("缺少具体的数字、时间或名称", "few concrete figures, durations or names"),
    "fillers": ("口头填充词（如“嗯”“那个”）较多", "many filler words (such as um, like)"),
    "no_indicator": (
        "没有描述该岗位看重的具体做法",
        "none of the behaviours the role looks for was described",
    ),
}


@dataclass(frozen=True)
class CompetencyNote:
    """What the explanation needs of one competency: score, a quote, the main gap."""

    competency: str
    score: float
    quote: str | None = None
    weak: str | None = None  # a key of _WEAK


def explain(
    *,
    language: str,
    overall: float | None,
    decision: Decision,
    model: CompetencyModel,
    notes: list[CompetencyNote],
    missing: list[str],
    audio_used: bool,
    review: list[str],
) -> str:
    """The explanation in "zh" or "en" (see the module docstring)."""
    zh = language == "zh"
    if overall is None:
        return _unscored_zh() if zh else _unscored_en()
    strong = sorted(
        (n for n in notes if n.score >= STRONG_FROM and n.quote),
        key=lambda n: (-n.score, n.competency),
    )[:2]
    weak = sorted(
        (n for n in notes if n.score < WEAK_BELOW and n.weak),
        key=lambda n: (n.score, n.competency),
    )[:2]
    questions = [question_text(q, language) or q for q in missing]
    if zh:
        return _scored_zh(overall, decision, model, strong, weak, questions, audio_used, review)
    return _scored_en(overall, decision, model, strong, weak, questions, audio_used, review)


def _scored_zh(
    overall: float,
    decision: Decision,
    model: CompetencyModel,
    strong: list[CompetencyNote],
    weak: list[CompetencyNote],
    questions: list[str],
    audio_used: bool,
    review: list[str],
) -> str:
    family = _FAMILY_ZH.get(model.family, model.family)
    parts = [
        f"本次面试综合得分 {overall:.0f} 分（满分 100 分），结论：{_DECISION['zh'][decision]}"
        f"（{family}岗位标准：{model.pass_at:g} 分及以上通过，{model.hold_at:g} 分及以上待定）。"
    ]
    if strong:
        items = "；".join(
            f"{competency_name(n.competency, 'zh')} {n.score:.0f} 分，例如您提到“{_clip(n.quote)}”"
            for n in strong
        )
        parts.append(f"表现较好：{items}。")
    if weak:
        items = "；".join(
            f"{competency_name(n.competency, 'zh')} {n.score:.0f} 分，{_WEAK[n.weak][0]}"
            for n in weak
        )
        parts.append(f"有待加强：{items}。")
    if questions:
        parts.append(f"以下问题没有有效回答：{'；'.join(questions)}")
    basis = "回答内容和语速、停顿（经您同意分析语音）" if audio_used else "回答内容（未分析语音）"
    parts.append(f"评分只依据您的{basis}，不涉及性别、年龄等个人特征。")
    if review:
        if any(r.startswith("automated_decision_opt_out") for r in review):
            parts.append("根据您的选择，结果由招聘人员人工确认。")
        else:
            parts.append("结果将由招聘人员复核后生效。")
    return "".join(parts)


def _scored_en(
    overall: float,
    decision: Decision,
    model: CompetencyModel,
    strong: list[CompetencyNote],
    weak: list[CompetencyNote],
    questions: list[str],
    audio_used: bool,
    review: list[str],
) -> str:
    family = model.family.replace("_", " ")
    parts = [
        f"Overall score {overall:.0f} out of 100, decision: {_DECISION['en'][decision]} "
        f"(for {family} roles, {model.pass_at:g} or more passes and {model.hold_at:g} or more "
        "is on hold)."
    ]
    if strong:
        items = "; ".join(
            f"{competency_name(n.competency, 'en')} {n.score:.0f}, for example you said "
            f'"{_clip(n.quote)}"'
            for n in strong
        )
        parts.append(f"Strengths: {items}.")
    if weak:
        items = "; ".join(
            f"{competency_name(n.competency, 'en')} {n.score:.0f}: {_WEAK[n.weak][1]}" for n in weak
        )
        parts.append(f"To improve: {items}.")
    if questions:
        parts.append(f"Not answered: {' '.join(questions)}")
    basis = (
        "what you said and your pace and pauses (you agreed to voice analysis)"
        if audio_used
        else "what you said (your voice was not analysed)"
    )
    parts.append(
        f"The score is based only on {basis}, never on personal traits such as sex or age."
    )
    if review:
        if any(r.startswith("automated_decision_opt_out") for r in review):
            parts.append("As you asked, a recruiter will make the decision.")
        else:
            parts.append("A recruiter will review the result before it takes effect.")
    return " ".join(parts)


def _unscored_zh() -> str:
    return (
        "本次面试未能自动评分：没有可以评估的有效回答（例如录音转写为空或无法识别）。"
        "结果将由招聘人员人工评估，不会因此自动作出决定。"
    )


def _unscored_en() -> str:
    return (
        "This interview could not be scored automatically: there was no answer that could be "
        "assessed (for example the transcript was empty or unreadable). A recruiter will assess "
        "it; no decision is made automatically."
    )


def _clip(quote: str | None) -> str:
    quote = (quote or "").strip()
    return quote if len(quote) <= QUOTE_CHARS else quote[: QUOTE_CHARS - 1] + "…"
