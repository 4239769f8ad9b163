"""The resume CRF as a spaCy pipeline component, so the shipped model loads with `spacy.load`.

The factory `hrhub_resume_crf` is registered when this module is imported, and through the
`spacy_factories` entry point in pyproject.toml, so `spacy.load(path)` finds it wherever hrhub
is installed. The component tags each character of a Doc (the Chinese tokenizer's `char`
segmenter makes one token per character) with a linear-chain CRF (CRFsuite) over
`CharFeatures`, and sets `doc.ents`. Training is `train()` on (text, spans) pairs; the recipe
around it is `hrhub.scoring.ner.train`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from hrhub.scoring.ner.features import (
    CharFeatures,
    Span,
    gazetteer_of,
    spans_from_tags,
    tags_from_spans,
)

__all__ = ["FACTORY", "ResumeCrf", "make_resume_crf"]

FACTORY = "hrhub_resume_crf"
_MODEL_FILE = "model.crfsuite"
_GAZETTEER_FILE = "gazetteer.json"
_SPACE = "，"  # what a run of whitespace reads as


class ResumeCrf:
    """Tags resume text with the ResumeNER labels; see the module docstring."""

    def __init__(
        self,
        vocab: Vocab,
        name: str = "ner",
        *,
        window: int = 2,
        segmentation: bool = True,
        lexicon: bool = True,
        gazetteer_folds: int = 5,
        c1: float = 0.01,
        c2: float = 0.02,
        max_iterations: int = 300,
    ) -> None:
        self.vocab = vocab
        self.name = name
        self.window = window
        self.segmentation = segmentation
        self.lexicon = lexicon
        self.gazetteer_folds = gazetteer_folds
        self.c1, self.c2, self.max_iterations = c1, c2, max_iterations
        self.gazetteer: dict[str, str] = {}
        self._model: bytes | None = None
        self._tagger: Any = None
        self._featurize = self._features()

    @property
    def labels(self) -> tuple[str, ...]:
        """The entity labels the trained model can give (empty before training)."""
        if self._tagger is None:
            return ()
        return tuple(sorted({tag.partition("-")[2] for tag in self._tagger.labels()} - {""}))

    def __call__(self, doc: Doc) -> Doc:
        if self._tagger is None:
            raise ValueError(f"the {self.name!r} component has no model: train or load one")
        ents = []
        for start, end, label in self.spans(doc.text):
            span = doc.char_span(start, end, label=label, alignment_mode="contract")
            if span is not None and len(span):
                ents.append(span)
        doc.ents = ents
        return doc

    def spans(self, text: str) -> list[Span]:
        """Entity spans of `text`. The tagger sees each run of whitespace as one "，" (the
        training text has no whitespace; in a resume it separates fields, as in
        上海华信有限公司 客服主管) and the spans are mapped back to `text`."""
        seen, where = [], []  # the characters the tagger sees, and where each is in `text`
        for i, char in enumerate(text):
            if not char.isspace():
                seen.append(char)
                where.append(i)
            elif seen and seen[-1] != _SPACE:
                seen.append(_SPACE)
                where.append(i)
        if not seen:
            return []
        tags = self._tagger.tag(self._featurize("".join(seen)))
        return [
            (where[start], where[end - 1] + 1, label) for start, end, label in spans_from_tags(tags)
        ]

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        for doc in stream:
            yield self(doc)

    def train(self, sentences: Sequence[tuple[str, Sequence[Span]]]) -> None:
        """Fit the CRF on (text, spans) pairs. Each sentence's gazetteer features come from the
        other folds' entities (`gazetteer_folds`), so training sees known and unknown names in
        the proportion new text will; the model keeps the gazetteer of all of them."""
        import pycrfsuite

        trainer = pycrfsuite.Trainer(verbose=False)
        folds = max(self.gazetteer_folds, 0)
        for fold in range(max(folds, 1)):
            held_out = [s for i, s in enumerate(sentences) if folds == 0 or i % folds == fold]
            others = (s for i, s in enumerate(sentences) if folds and i % folds != fold)
            features = self._features(gazetteer_of(others) if folds else {})
            for text, spans in held_out:
                trainer.append(features(text), tags_from_spans(len(text), spans))
        trainer.set_params(
            {
                "c1": self.c1,
                "c2": self.c2,
                "max_iterations": self.max_iterations,
                "feature.possible_transitions": True,
            }
        )
        self.gazetteer = gazetteer_of(sentences) if folds else {}
        with tempfile.TemporaryDirectory(prefix="hrhub-crf-") as tmp:
            trainer.train(str(Path(tmp) / _MODEL_FILE))
            self._load(Path(tmp, _MODEL_FILE).read_bytes())

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """spaCy's entity scores (`spacy evaluate`, `nlp.evaluate`)."""
        return get_ner_prf(examples, **kwargs)

    def to_disk(self, path: Path | str, *, exclude: Iterable[str] = ()) -> None:
        if self._model is None:
            raise ValueError(f"the {self.name!r} component has no model to save")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _MODEL_FILE).write_bytes(self._model)
        (folder / _GAZETTEER_FILE).write_text(
            json.dumps(self.gazetteer, ensure_ascii=False, indent=0, sort_keys=True),
            encoding="utf-8",
        )

    def from_disk(self, path: Path | str, *, exclude: Iterable[str] = ()) -> ResumeCrf:
        folder = Path(path)
        self.gazetteer = json.loads((folder / _GAZETTEER_FILE).read_text(encoding="utf-8"))
        self._load((folder / _MODEL_FILE).read_bytes())
        return self

    def _load(self, model: bytes) -> None:
        """Use `model` (CRFsuite's file) with the current gazetteer."""
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open_inmemory(model)
        self._model, self._tagger = model, tagger
        self._featurize = self._features()

    def _features(self, gazetteer: dict[str, str] | None = None) -> CharFeatures:
        return CharFeatures(
            window=self.window,
            segmentation=self.segmentation,
            lexicon=self.lexicon,
            gazetteer=self.gazetteer if gazetteer is None else gazetteer,
        )


@Language.factory(
    FACTORY,
    default_config={
        "window": 2,
        "segmentation": True,
        "lexicon": True,
        "gazetteer_folds": 5,
        "c1": 0.01,
        "c2": 0.02,
        "max_iterations": 300,
    },
    assigns=["doc.ents"],
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_resume_crf(
    nlp: Language,
    name: str,
    window: int,
    segmentation: bool,
    lexicon: bool,
    gazetteer_folds: int,
    c1: float,
    c2: float,
    max_iterations: int,
) -> ResumeCrf:
    return ResumeCrf(
        nlp.vocab,
        name,
        window=window,
        segmentation=segmentation,
        lexicon=lexicon,
        gazetteer_folds=gazetteer_folds,
        c1=c1,
        c2=c2,
        max_iterations=max_iterations,
    )
