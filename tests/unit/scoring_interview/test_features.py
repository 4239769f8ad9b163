"""Transcript features on crafted texts: STAR, fillers, diversity, coherence, specificity."""

from __future__ import annotations

import pytest

from hrhub.models import Speaker, TranscriptSegment
from hrhub.scoring.interview import (
    answer_features,
    candidate_segments,
    find_numbers,
    linguistic_ratio,
    mtld,
    read_answer,
)
from hrhub.scoring.interview.features import AnswerFeatures

from .transcripts import EN_STRONG, EN_WEAK, ZH_STRONG, ZH_WEAK


def features(text: str, question_id: str = "q_complaint", **segment) -> AnswerFeatures:
    seg = TranscriptSegment(
        question_id=question_id,
        start_ms=segment.pop("start_ms", 10_000),
        end_ms=segment.pop("end_ms", 70_000),
        text=text,
        **segment,
    )
    return answer_features(read_answer(question_id, [seg], None))


# --- STAR ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [ZH_STRONG["q_complaint"], EN_STRONG["q_complaint"]])
def test_a_full_story_has_all_four_star_parts_with_their_sentences(text: str) -> None:
    found = features(text)
    assert found.star == {"situation": True, "task": True, "action": True, "result": True}
    for part, sentence in found.star_quotes.items():
        assert sentence in text, part
    assert "40%" in found.star_quotes["result"]


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("当时我在门店上班。", {"situation"}),
        ("我的任务是把退货率降下来。", {"task"}),
        ("我首先给客户打了电话。", {"action"}),
        ("最终退货率降低了一半。", {"result"}),
        ("At the time I worked in a call centre.", {"situation"}),
        ("My task was to calm him down.", {"task"}),
        ("I decided to call him back.", {"action"}),
        ("In the end we reduced refunds by 20%.", {"result"}),
    ],
)
def test_each_star_part_is_found_by_its_own_cues(text: str, present: set[str]) -> None:
    assert {part for part, on in features(text).star.items() if on} == present


def test_a_result_needs_a_number_or_an_outcome_word() -> None:
    assert not features("结果嗯就那样吧。").star["result"]
    assert not features("In the end it was what it was.").star["result"]
    assert features("结果工单从200张降到50张。").star["result"]  # cue and figure
    assert features("The result: 35 tickets a day instead of 80.").star["result"]
    assert features("客户后来很满意。").star["result"]  # outcome word alone


# --- fillers ---------------------------------------------------------------------------------


def test_chinese_fillers_hesitations_standalone_words_and_then_overuse() -> None:
    found = features("嗯，那个，我们就是，然后然后就解决了。")
    assert found.fillers == ["嗯", "那个", "然后然后"]
    # 就是 inside a phrase, 那个 as a determiner and one 然后 per sentence are real words.
    clean = features("我就是负责那个项目的人。首先确认订单，然后退款。")
    assert clean.fillers == []
    # 然后 again and again in one sentence: every use after the first is a filler.
    assert features("我先打电话然后道歉然后退款然后回访。").fillers == ["然后", "然后"]
    # 销售额 ends in 额 but is no hesitation.
    assert features("销售额，增长了20%。").fillers == []


def test_english_fillers_without_the_verb_like_or_you_know_how() -> None:
    found = features("Um, so, like, I just, you know, talked to him. Uh, I mean, it was fine.")
    assert found.fillers == ["um", "like", "you know", "uh", "i mean"]
    clean = features("I would like to show you how it worked; you know how retail is in May.")
    assert clean.fillers == []


def test_filler_rate_is_per_100_words_and_separates_weak_from_strong() -> None:
    found = features("嗯，嗯，我们解决了问题")  # 嗯 嗯 我们 解决 了 问题
    assert found.words == 6 and found.fillers == ["嗯", "嗯"]
    assert found.filler_per_100 == pytest.approx(200 / 6)
    assert features(ZH_WEAK["q_complaint"]).filler_per_100 > 15
    assert features(EN_WEAK["q_complaint"]).filler_per_100 > 15
    assert features(ZH_STRONG["q_complaint"]).filler_per_100 == 0
    assert features(EN_STRONG["q_complaint"]).filler_per_100 == 0


# --- diversity ---------------------------------------------------------------------------------


def test_mtld_known_values() -> None:
    assert mtld([]) == 0.0
    assert mtld(["a", "b", "c", "d"]) == 4.0  # never drops to 0.72: the length itself
    # a b a b ...: TTR falls to 0.667 at the 3rd word every time: 3 words per factor.
    repeated = ["a", "b"] * 30
    assert mtld(repeated) == pytest.approx(3.0, abs=0.1)
    varied = [f"w{i}" for i in range(40)] + ["w0", "w1"]
    assert mtld(varied) > 30 > mtld(repeated)


def test_diversity_counts_words_only_and_ranks_rich_above_repetitive() -> None:
    punctuated = features("好，好，好！好？")
    # 好 好 | 好 好: the type/token ratio falls to 0.5 every second word: 2 words per factor.
    assert punctuated.words == 4 and punctuated.mtld == 2.0
    assert features(EN_STRONG["q_complaint"]).mtld > 2 * features(EN_WEAK["q_complaint"]).mtld
    assert features(ZH_STRONG["q_complaint"]).mtld > 2 * features(ZH_WEAK["q_complaint"]).mtld


# --- coherence ----------------------------------------------------------------------------------


def test_coherence_overlap_with_the_question_and_between_sentences() -> None:
    on_topic = features(
        "I handled a customer complaint about a late refund. The customer got the refund."
    )
    off_topic = features("I like hiking in the mountains. Weather was nice.")
    assert on_topic.question_overlap is not None and off_topic.question_overlap is not None
    assert on_topic.question_overlap > off_topic.question_overlap == 0.0
    assert on_topic.sentence_overlap > 0 and off_topic.sentence_overlap == 0.0
    single = features("客户投诉我处理了。")
    assert single.sentence_overlap is None and single.question_overlap > 0
    asked = features("We fixed it.", question_text="How did you fix the printer?")
    assert asked.question_overlap == pytest.approx(1 / 2)  # fix (stem) of {fix, printer}


# --- specificity ---------------------------------------------------------------------------------


def test_specificity_counts_figures_percentages_durations_and_names() -> None:
    zh = features("我们用Airflow和Kafka在三个月内把延迟降低了30%，每天处理2亿条记录。")
    assert zh.percentages_per_100 > 0 and zh.durations_per_100 > 0
    assert {"airflow", "kafka"} <= set(zh.named)
    vague = features("我们做了一些改进，效果还可以，大家都觉得挺好的。")
    assert vague.specificity_per_100 == 0
    assert zh.specificity_per_100 > 20
    en = features("We moved the reports from Oracle to Snowflake in 6 weeks and saved 25 percent.")
    assert "snowflake" in en.named and "oracle" in en.named
    assert en.percentages_per_100 == pytest.approx(100 / en.words)
    assert en.durations_per_100 == pytest.approx(100 / en.words)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("完成1000万业绩", [10_000_000]),
        ("完成一千万业绩", [10_000_000]),
        ("领导过10人团队", [10]),
        ("我带过一个十个人的团队", [10]),  # 一个 is an article
        ("led a team of ten engineers", [10]),
        ("closed $2.5M and hit 120% of quota", [2_500_000, 120]),
        ("百分之三十，twenty-five people, 1,200 tickets", [30, 25, 1200]),
        ("千万不要万一出错", []),
    ],
)
def test_numbers_read_in_both_languages(text: str, values: list[float]) -> None:
    assert [m.value for m in find_numbers(text)] == values


# --- garbled text and grouping ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["����@@##$$%%^^&&**□□□■■", "æˆ‘åœ¨ä¸€å®¶å…¬å¸å·¥ä½œ", "☺☺☺☺ ★★★ 123 ♪♪"],
)
def test_garbled_text_is_recognised(text: str) -> None:
    found = features(text)
    assert found.garbled and found.linguistic_ratio < 0.6


def test_real_text_with_figures_and_symbols_is_not_garbled() -> None:
    assert linguistic_ratio("KPI 提升 30%（2023 年 Q4）→ 目标达成 ✓") > 0.8
    assert not features(ZH_STRONG["q_sales"]).garbled


def test_only_the_candidates_non_blank_segments_in_time_order() -> None:
    segments = [
        TranscriptSegment(question_id="q_team", start_ms=9000, end_ms=9500, text="second"),
        TranscriptSegment(question_id="q_team", start_ms=1000, end_ms=2000, text="first"),
        TranscriptSegment(
            question_id="q_team", speaker=Speaker.INTERVIEWER, start_ms=0, end_ms=900, text="Q?"
        ),
        TranscriptSegment(question_id="q_sales", start_ms=3000, end_ms=3000, text="   "),
    ]
    grouped = candidate_segments(segments)
    assert list(grouped) == ["q_team"]
    assert [s.text for s in grouped["q_team"]] == ["first", "second"]


def test_quotes_are_verbatim_and_timed_by_their_place_in_the_segment() -> None:
    text = "第一句话在这里。第二句话在后面。"
    seg = TranscriptSegment(question_id="q_team", start_ms=10_000, end_ms=26_000, text=text)
    answer = read_answer("q_team", [seg], "zh-CN")
    first, second = answer.sentences
    assert (first.evidence().start_ms, first.evidence().end_ms) == (10_000, 18_000)
    assert (second.evidence().start_ms, second.evidence().end_ms) == (18_000, 26_000)
    assert second.evidence().quote == "第二句话在后面。"
    long = "背景" * 100 + "我理解您的心情" + "后来" * 100
    seg = TranscriptSegment(question_id="q_team", start_ms=0, end_ms=1000, text=long)
    (sentence,) = read_answer("q_team", [seg], "zh").sentences
    start = long.index("我理解")
    quote = sentence.evidence(start, start + 7)
    assert "我理解您的心情" in quote.quote and quote.quote in long and len(quote.quote) <= 120


def test_pipelines_are_built_once_chinese_with_jieba() -> None:
    from hrhub.scoring.interview.nlp import chinese_nlp, english_nlp

    assert chinese_nlp() is chinese_nlp() and english_nlp() is english_nlp()
    assert chinese_nlp().config["nlp"]["tokenizer"]["segmenter"] == "jieba"
    assert [t.text for t in chinese_nlp()("我理解您的心情")][:2] == ["我", "理解"]
    assert "sentencizer" in english_nlp().pipe_names


def test_delivery_is_full_inside_the_normal_range_and_falls_off_outside() -> None:
    from hrhub.scoring.interview.audio import in_range_score

    assert in_range_score(4.0, 2.5, 6.0) == 1.0
    assert in_range_score(2.5, 2.5, 6.0) == 1.0
    assert in_range_score(7.75, 2.5, 6.0) == 0.0  # half the range's width above
    assert in_range_score(6.875, 2.5, 6.0) == pytest.approx(0.5)
    assert in_range_score(0.5, 0.0, 0.35) == pytest.approx(1 - 0.15 / 0.175)
