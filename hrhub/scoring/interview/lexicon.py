"""Cue words of the transcript features, in Chinese and English, as compiled patterns.

Both languages' cues are applied to every answer: candidates mix languages (a Chinese answer
naming "Airflow", an English one quoting 客户), and a cue of the other language is harmless.
Changing anything here changes scores, so RULES_VERSION (stamped on every result) goes up.
"""

from __future__ import annotations

import re

__all__ = [
    "DISCOURSE_FILLERS",
    "DURATION",
    "OUTCOME",
    "PURE_FILLERS",
    "RESULT_CUE",
    "RULES_VERSION",
    "STAR_CUES",
]

RULES_VERSION = "1.0"

_I = re.IGNORECASE


def _words(*phrases: str) -> str:
    """English phrases as whole words, e.g. "as a result" not inside "was a resulting"."""
    return "|".join(rf"\b{p}\b" for p in phrases)


# Situation, task and action are found by cue words. Result is special (see RESULT_CUE).
STAR_CUES: dict[str, re.Pattern[str]] = {
    "situation": re.compile(
        r"当时|那时|有一次|有一回|之前在|曾经|去年|前年|背景|情况是|的时候|\d{4}\s*年|"
        + _words(
            "at the time",
            "back then",
            "back in",
            "last year",
            "once",
            "when I was",
            "while I was",
            "in \\d{4}",
            "at my (?:previous|last|former) (?:job|company|role)",
            "the situation",
            "there was a",
        ),
        _I,
    ),
    "task": re.compile(
        r"我的任务|任务是|目标是|我的目标|负责|需要|要求|职责|我要|必须|"
        + _words(
            "my task",
            "my job was",
            "my goal",
            "the goal was",
            "the target was",
            "I was responsible",
            "I needed to",
            "we needed to",
            "I had to",
            "we had to",
            "my role",
            "was asked to",
        ),
        _I,
    ),
    "action": re.compile(
        r"首先|第一步|接着|于是|我先|我就去|我决定|采取|制定|组织|安排|主动|搭建|设计了|推动|"
        r"沟通了|调查|分析了|提出|引入|实施|"
        + _words(
            "first",
            "then I",
            "I decided",
            "I organi[sz]ed",
            "I set up",
            "I built",
            "I designed",
            "I implemented",
            "I called",
            "I proposed",
            "I introduced",
            "I analy[sz]ed",
            "I worked with",
            "I reached out",
            "we built",
            "we introduced",
            "I listened",
            "I offered",
        ),
        _I,
    ),
}

RESULT_CUE = re.compile(
    r"结果|最终|最后|后来|成果|" + _words("as a result", "in the end", "the result", "outcome"),
    _I,
)
"""Says "here is the result"; a result counts only with a number or an outcome word."""

OUTCOME = re.compile(
    r"提升|提高|降低|减少|缩短|增长|增加|节省|达成|超额|完成了|满意|成功|解决了|好评|续约|"
    r"翻倍|留存|转化率|准时上线|上线了|"
    + _words(
        "increased",
        "reduced",
        "improved",
        "grew",
        "achieved",
        "exceeded",
        "saved",
        "resolved",
        "satisfied",
        "renewed",
        "doubled",
        "cut",
        "succeeded",
        "successfully",
        "delivered",
        "launched",
        "went live",
        "on time",
    ),
    _I,
)
"""Words that state an outcome; with a number (or on their own) they make a result."""

# Always fillers: hesitation sounds.
PURE_FILLERS = re.compile(
    r"嗯+|呃+|(?<![\u4e00-\u9fff])额+(?=[，,。\s])|唔+|" + _words("u+m+", "u+h+", "e+r+m*", "hmm+"),
    _I,
)

_STOP = r"(?:^|(?<=[，,。！？!?；;：:\s]))"
_END = r"(?=[，,。！？!?；;：:\s]|$)"
# Fillers that are also real words: counted standalone (between pauses/punctuation),
# doubled (就是就是), or, for 然后, beyond the first in a sentence (see features.count_fillers).
DISCOURSE_FILLERS = re.compile(
    rf"{_STOP}(?:那个|这个|就是说?|然后|反正|怎么说呢?){_END}|那个那个|就是就是|然后然后|"
    r"\byou know\b(?!\s+(?:how|what|that|why|where|when|who|the|a|an)\b)|\bI mean\b|"
    r"(?:(?<=,)\s*|\b)like(?=\s*,)|(?<=,)\s*like\b|\bbasically\b|\bsort of\b|\bkind of\b(?=\s*,)",
    _I,
)
THEN_ZH = re.compile(r"然后")

_ZH_NUMERAL = r"[零一二两三四五六七八九十百千]+"
DURATION = re.compile(
    rf"(?:\d+(?:\.\d+)?|{_ZH_NUMERAL}|半)\s*(?:个)?\s*(?:多)?\s*(?:天|周|星期|个?月|年|小时|分钟|秒|季度)"
    r"|\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|half an?)"
    r"\s+(?:days?|weeks?|months?|years?|hours?|minutes?|seconds?|quarters?)\b",
    _I,
)
"""A length of time: 三个月, 2周, 48 hours, six months."""
