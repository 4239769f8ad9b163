"""The project's own NER evaluator: exact entity-span match, per type and micro-averaged.

Kept independent of spaCy's scorer so that the two can be compared; `spacy_evaluate` runs
`python -m spacy evaluate` in a subprocess for that comparison.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hrhub.scoring.ner.bmes import Span, read_bmes, to_docbin

if TYPE_CHECKING:
    from spacy.language import Language


@dataclass
class TypeScore:
    """Counts and scores for one entity type (or the micro average); scores in percent."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "p": self.precision, "r": self.recall, "f": self.f1}


@dataclass
class NerScores:
    """Per-type scores, the micro average, and (when measured) the speed."""

    per_type: dict[str, TypeScore]
    micro: TypeScore
    sentences: int = 0
    chars: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ents_p": self.micro.precision,
            "ents_r": self.micro.recall,
            "ents_f": self.micro.f1,
            "ents_per_type": {k: v.as_dict() for k, v in sorted(self.per_type.items())},
            "sentences": self.sentences,
            "chars": self.chars,
            "seconds": self.seconds,
            "chars_per_second": self.chars_per_second,
            **self.extra,
        }


def score_spans(gold: Iterable[Iterable[Span]], predicted: Iterable[Iterable[Span]]) -> NerScores:
    """Exact-match scores: a predicted span counts only if start, end and label all match.

    `gold` and `predicted` are parallel sequences, one collection of spans per sentence.
    """
    per_type: dict[str, TypeScore] = {}
    micro = TypeScore()
    pairs = list(zip(gold, predicted, strict=True))
    for gold_spans, pred_spans in pairs:
        g, p = Counter(gold_spans), Counter(pred_spans)
        for span in g | p:
            hit = min(g[span], p[span])
            score = per_type.setdefault(span[2], TypeScore())
            for target in (score, micro):
                target.tp += hit
                target.fp += p[span] - hit
                target.fn += g[span] - hit
    return NerScores(per_type=per_type, micro=micro, sentences=len(pairs))


def predict_spans(nlp: Language, texts: Sequence[str], batch_size: int = 256) -> list[list[Span]]:
    """Character-offset spans predicted by `nlp` for each text, batched through nlp.pipe."""
    return [
        [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
        for doc in nlp.pipe(texts, batch_size=batch_size)
    ]


def evaluate_pipeline(nlp: Language, bmes_path: Path | str, batch_size: int = 256) -> NerScores:
    """Score a loaded pipeline on a BMES file, timing the prediction (characters per second)."""
    sentences = read_bmes(bmes_path).sentences
    texts = [s.text for s in sentences]
    nlp("预热")  # a first call loads what components load lazily (jieba's dictionary)
    start = time.perf_counter()
    predicted = predict_spans(nlp, texts, batch_size=batch_size)
    seconds = time.perf_counter() - start
    scores = score_spans([s.spans for s in sentences], predicted)
    scores.chars = sum(map(len, texts))
    scores.seconds = seconds
    return scores


def spacy_evaluate(model: Path | str, dev: Path | str) -> dict[str, Any]:
    """spaCy's own numbers (`python -m spacy evaluate`): ents_p/r/f and ents_per_type.

    `dev` may be a `.spacy` DocBin or a BMES file (converted in a temp dir first).
    Scores are returned in percent, like the project's evaluator.
    """
    with tempfile.TemporaryDirectory(prefix="hrhub-ner-eval-") as tmp:
        dev_path = Path(dev)
        if dev_path.suffix != ".spacy":
            converted = Path(tmp) / "dev.spacy"
            to_docbin(read_bmes(dev_path).sentences).to_disk(converted)
            dev_path = converted
        out = Path(tmp) / "scores.json"
        cmd = [sys.executable, "-m", "spacy", "evaluate", str(model), str(dev_path)]
        result = subprocess.run(
            [*cmd, "--output", str(out)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"spacy evaluate failed ({result.returncode}): {result.stderr}")
        data = json.loads(out.read_text(encoding="utf-8"))
    per_type = {
        label: {k: 100.0 * v for k, v in values.items()}
        for label, values in (data.get("ents_per_type") or {}).items()
    }
    return {
        "ents_p": 100.0 * data["ents_p"],
        "ents_r": 100.0 * data["ents_r"],
        "ents_f": 100.0 * data["ents_f"],
        "ents_per_type": per_type,
        "speed": data.get("speed"),
    }
