"""The score step against the interview room and SuccessFactors simulators on loopback, with a
temporary SQLite ledger: extract the analyses, score them, hold or queue their writes, push."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.interview_room.simulator import InterviewRoomSimulator
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.flow.extract import extract_stream
from hrhub.flow.push import push
from hrhub.flow.review import pending_reviews
from hrhub.flow.score import SCORE_ERROR, score_interviews
from hrhub.ledger import Ledger
from hrhub.mapping import load_mapping
from hrhub.models import InterviewResult
from tests.integration.flow_score.world import (
    Clock,
    Interview,
    counting,
    hold_interviews,
    pick_interviews,
    room_client,
    sf_client,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Extracted and scored once; the tests read what that run left (scoring is the slow part)."""
    clock = Clock()
    ledger = Ledger.open(f"sqlite:///{tmp_path_factory.mktemp('score') / 'ledger.db'}")
    with (
        SuccessFactorsSimulator(candidates=120, requisitions=8) as sf,
        InterviewRoomSimulator(seeded=0, clock=clock, auto_start=True) as room,
    ):
        interviews = pick_interviews(sf)
        hold_interviews(room, clock, interviews)
        client = room_client(room)
        extracted = extract_stream(
            "interview_room", "interview_analyses", client=client, ledger=ledger
        )
        downloads: list[str] = []
        first = score_interviews(
            ledger, recordings=counting(client.download_recording, downloads), batch_size=2
        )
        yield {
            "sf": sf,
            "room": room,
            "client": client,
            "ledger": ledger,
            "interviews": interviews,
            "extracted": extracted,
            "first": first,
            "downloads": downloads,
        }


def results(ledger: Ledger) -> dict[str, InterviewResult]:
    rows = ledger.iter_staged("interview_result")
    return {r.payload["interview_id"]: InterviewResult.model_validate(r.payload) for r in rows}


def session_of(world: dict, interview: Interview) -> str:
    return next(
        s["id"]
        for s in world["room"].sessions.values()
        if s["external_id"] == interview.interview_id
    )


def test_every_analysis_is_scored_except_the_one_without_a_job_family(world) -> None:
    assert world["extracted"].staged == 4
    summary = world["first"]
    assert (summary.scored, summary.dead_letters, summary.skipped) == (3, 1, 0)
    scored = results(world["ledger"])
    interviews = world["interviews"]
    assert set(scored) == {
        interviews[c].interview_id for c in ("consented", "no_audio", "opted_out")
    }
    for result in scored.values():
        assert result.source_system == "hrhub"
        assert result.rubric_version and result.explanation


def test_no_job_family_is_a_dead_letter_naming_the_record_and_the_field(world) -> None:
    (letter,) = [d for d in world["ledger"].dead_letters() if d.error_class == SCORE_ERROR]
    assert letter.field == "job_family"
    assert letter.record_id.startswith("interview_room:interview_analysis:")
    assert letter.record_id in letter.reason and "job_family" in letter.reason
    assert letter.payload["external_id"] == world["interviews"]["no_family"].interview_id


def test_consented_audio_is_analysed_and_no_other_recording_is_fetched(world) -> None:
    interviews = world["interviews"]
    assert world["downloads"] == [session_of(world, interviews["consented"])]
    assert world["first"].audio_analysed == 1 and world["first"].audio_errors == 0
    scored = results(world["ledger"])
    assert scored[interviews["consented"].interview_id].audio_features_used is True
    assert scored[interviews["no_audio"].interview_id].audio_features_used is False
    assert scored[interviews["opted_out"].interview_id].audio_features_used is False


def test_an_opted_out_candidate_is_held_for_a_person_and_not_written(world) -> None:
    ledger = world["ledger"]
    opted_out = results(ledger)[world["interviews"]["opted_out"].interview_id]
    assert opted_out.human_review
    assert any(r.startswith("automated_decision_opt_out") for r in opted_out.review_reasons)
    held = {r.result_id: r for r in pending_reviews(ledger)}
    assert opted_out.canonical_id in held
    queued = {
        item.canonical_id for item in ledger.outbox_items("successfactors", "interview_assessment")
    }
    assert opted_out.canonical_id not in queued
    assert world["first"].held_for_review == len(held)


def test_a_rerun_scores_nothing_twice(world) -> None:
    ledger = world["ledger"]
    before = ledger.status()
    again = score_interviews(ledger, recordings=world["client"].download_recording)
    assert (again.scored, again.held_for_review, again.queued_writes, again.dead_letters) == (
        0,
        0,
        0,
        0,
    )
    assert again.skipped == 4  # three scored, one unscorable input already in dead letters
    assert ledger.status()["staged"] == before["staged"]
    assert ledger.status()["outbox"] == before["outbox"]
    assert sum(d.error_class == SCORE_ERROR for d in ledger.dead_letters()) == 1


def test_push_writes_the_assessments_the_result_mapping_produces(world) -> None:
    ledger, sf = world["ledger"], world["sf"]
    scored = results(ledger)
    direct = [r for r in scored.values() if not r.human_review]
    assert direct, "no result went straight to the outbox: this test proves nothing"
    assert world["first"].queued_writes == len(direct)
    summary = push("successfactors", client=sf_client(sf), ledger=ledger)
    assert (summary.landed, summary.dead_letters) == (len(direct), 0)

    mapping = load_mapping("successfactors", "interview_assessment", "out")
    written = {
        row["interviewRefId"]: row
        for row in sf.rows("InterviewOverallAssessment")
        if row.get("type") == "hrhub_ai_interview"
    }
    held = {r.interview_id for r in scored.values() if r.human_review}
    for interview in world["interviews"].values():
        if interview.interview_id in held or interview.case == "no_family":
            assert interview.sf_interview_id not in written
    assert len(written) == len(direct)
    sf_ids = {i.interview_id: i.sf_interview_id for i in world["interviews"].values()}
    for result in direct:
        expected = mapping.apply(result.model_dump(mode="json"), record_id=result.canonical_id)
        # The payload names the hub interview; the client wrote to its SuccessFactors record.
        assert expected["interviewSource"] == result.interview_id
        row = written[sf_ids[expected["interviewSource"]]]
        assert row["averageRating"] == pytest.approx(expected["averageRating"])
        assert row["overallRating"] == expected["overallRating"]
        assert row["comments"] == expected["comments"]


def test_an_unusable_recording_sends_the_interview_to_a_person(world, tmp_path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}")
    extract_stream("interview_room", "interview_analyses", client=world["client"], ledger=ledger)
    summary = score_interviews(ledger, recordings=lambda session_id: b"RIFF\x00\x00 not a wav")
    assert (summary.scored, summary.audio_errors, summary.audio_analysed) == (3, 1, 0)
    consented = results(ledger)[world["interviews"]["consented"].interview_id]
    assert consented.human_review and consented.audio_features_used is False
    assert any(r.startswith("audio_error: unusable recording") for r in consented.review_reasons)
    assert consented.canonical_id in {r.result_id for r in pending_reviews(ledger)}
