"""What the audio and transcript cases share: analysed interviews staged as the extract step
stages them, one hostile among good ones, scored by the score step (`score_interviews`).

The good interview is the shipped example analysis (hrhub/scoring/examples), renumbered per
interview; its recording, where audio counts, is built from the interview room's answer clips
(`hrhub.bench.audio`). The hostile interview must end held for a person with a reason, or in
dead letters naming the analysis and the field; the good ones must be scored.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import soundfile as sf

from hrhub.flow.score import score_interviews
from hrhub.ledger import Ledger, StageInput
from hrhub.models import InterviewAnalysis
from hrhub.reliability.hostile.corpus import Verdict, accepted, names_in, quarantined
from hrhub.scoring.examples import EXAMPLES_DIR

__all__ = ["EXAMPLE", "Interviews", "analysis_payload", "good_wav", "score_among_good"]

EXAMPLE = EXAMPLES_DIR / "interview_zh_customer_service.json"
NEIGHBOURS = 2
Recordings = Callable[[str], bytes]


def analysis_payload(n: int, segments: Any = None) -> dict[str, Any]:
    """The example analysis as interview `n` (its own session, interview, application and
    candidate); `segments` replaces its transcript, in the record and in its raw payload."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    session = f"ses_hostile_{n:04d}"
    ids = {
        "remote_id": session,
        "interview_id": f"hrhub:interview:{9000 + n}-ai",
        "application_id": f"successfactors:application:{9000 + n}",
        "candidate_id": f"successfactors:candidate:{9500 + n}",
        "audio_ref": f"/api/v1/sessions/{session}/recording",
    }
    data.pop("canonical_id", None)
    data.update(ids)
    raw = data["raw"]
    raw.update(id=session, session_id=session, external_id=ids["interview_id"])
    raw.update(application_id=ids["application_id"], candidate_id=ids["candidate_id"])
    if segments is not None:
        data["segments"] = segments
        raw["segments"] = copy.deepcopy(segments)
    return data


def good_wav(seconds: float = 8.0) -> bytes:
    """A real recording: the room's answer clips with pauses, as WAV bytes."""
    from hrhub.bench.audio import answers_audio, load_manifest

    manifest = load_manifest()
    buffer = io.BytesIO()
    samples = answers_audio(manifest, seconds)
    sf.write(buffer, samples, manifest["sample_rate"], format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@dataclass
class Interviews:
    """A folder of fresh ledgers, and the good recording."""

    folder: Path
    wav: bytes
    _ledgers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fresh_ledger(self) -> Ledger:
        return Ledger.open(f"sqlite:///{self.folder / f'ledger-{next(self._ledgers)}.db'}")


def _stage(ledger: Ledger, payloads: list[dict[str, Any]]) -> list[str]:
    """Stage the analyses as extract does; one the model refuses is staged as it came, so
    the score step's own check meets it. Their canonical ids, in order."""
    staged, ids = [], []
    for payload in payloads:
        try:
            staged.append(StageInput.of(InterviewAnalysis.model_validate(payload)))
            ids.append(staged[-1].canonical_id)
        except ValueError:
            canonical = InterviewAnalysis.make_canonical_id("interview_room", payload["remote_id"])
            staged.append(
                StageInput(
                    canonical,
                    InterviewAnalysis.entity,
                    "interview_room",
                    payload["remote_id"],
                    _modified(payload),
                    payload,
                )
            )
            ids.append(canonical)
    ledger.stage(staged, batch_id="hostile-interviews")
    return ids


def _modified(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(payload["modified_at"]).replace("Z", "+00:00"))


def score_among_good(
    interviews: Interviews,
    victim: dict[str, Any],
    recordings: Recordings | None,
    *,
    field_names: tuple[str, ...],
    audio: bool,
) -> Verdict:
    """Stage `victim` (interview 0) with NEIGHBOURS good interviews, score them all, and say
    what became of the victim and whether the good ones were scored (with their audio, when
    `audio`)."""
    ledger = interviews.fresh_ledger()
    try:
        good = [analysis_payload(n) for n in range(1, 1 + NEIGHBOURS)]
        victim_id, *_ = _stage(ledger, [victim, *good])
        score_interviews(ledger, recordings=recordings)
        results = {
            str(r.payload.get("interview_id")): r.payload.get("audio_features_used")
            for r in ledger.iter_staged("interview_result")
        }
        neighbours = all(
            g["interview_id"] in results and (not audio or results[g["interview_id"]] is True)
            for g in good
        )
        letters = [d for d in ledger.dead_letters() if d.record_id == victim_id]
        if letters:
            (letter,) = letters
            text = f"{letter.record_id} {letter.field} {letter.reason}"
            return quarantined(
                letter.reason,
                names_record=names_in(text, victim_id, field_names),
                neighbours_ok=neighbours,
            )
        holds = [
            h
            for h in ledger.review_holds()
            if h.result.get("interview_id") == victim.get("interview_id")
        ]
        if holds:
            (hold,) = holds
            reasons = "; ".join(hold.reasons)
            # A hold is filed under the interview's result: the reason names the field.
            return quarantined(
                f"held for review of {hold.result_id}: {reasons}",
                names_record=names_in(reasons, field_names),
                neighbours_ok=neighbours,
            )
        return accepted(
            "scored without review" if victim.get("interview_id") in results else "no outcome",
            neighbours_ok=neighbours,
        )
    finally:
        ledger.close()
