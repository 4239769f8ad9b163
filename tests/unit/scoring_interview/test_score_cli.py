"""`hrhub score`: an interview JSON scored, a bare WAV measured, exit codes, consent, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hrhub.cli import app
from hrhub.scoring.audio import FEATURE_KEYS, analyse_audio

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "hrhub" / "scoring" / "examples" / "interview_zh_customer_service.json"
CLIP = ROOT / "connectors" / "interview_room" / "recordings" / "answer_zh_q_complaint_strong.wav"


def example(**changes: Any) -> dict[str, Any]:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.update(changes)
    return document


def written(tmp_path: Path, document: dict[str, Any], name: str = "interview.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_bare_wav_prints_its_audio_features_under_audio() -> None:
    result = runner.invoke(app, ["score", str(CLIP), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document["audio"]) == list(FEATURE_KEYS)
    assert document["audio"] == analyse_audio(CLIP).as_dict()
    assert document["audio"]["duration_s"] > 5 and document["audio"]["speech_rate_sps"] > 1


def test_a_wav_that_is_not_one_exits_3_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "recording.wav"
    path.write_bytes(b"ID3\x04" + bytes(range(256)) * 4)
    result = runner.invoke(app, ["score", str(path), "--json"])
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["audio"] is None and document["unusable"] == "not_wav"


def test_the_example_interview_is_scored_with_evidence_and_versions() -> None:
    result = runner.invoke(app, ["score", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)["result"]
    assert 0 <= scored["overall_score"] <= 100
    assert scored["decision"] in {"pass", "hold", "reject"}
    assert scored["rubric_version"].startswith("customer_service@")  # family from the room
    assert scored["model_version"] and scored["code_version"]
    assert any(part["evidence"] for part in scored["competency_scores"])
    assert scored["explanation"]


def test_the_same_interview_scored_twice_prints_the_same_bytes() -> None:
    first = runner.invoke(app, ["score", str(EXAMPLE), "--json"])
    second = runner.invoke(app, ["score", str(EXAMPLE), "--json"])
    assert first.exit_code == second.exit_code == 0
    assert first.stdout_bytes == second.stdout_bytes


def test_audio_counts_only_with_consent(tmp_path: Path) -> None:
    consented = runner.invoke(app, ["score", str(EXAMPLE), "--audio", str(CLIP), "--json"])
    assert consented.exit_code == 0, consented.output
    document = json.loads(consented.stdout)
    assert document["result"]["audio_features_used"] is True
    assert document["audio"]["pause_count"] >= 0

    refused = example(consent={"audio_consent": False, "automated_decision_opt_out": False})
    result = runner.invoke(
        app, ["score", written(tmp_path, refused), "--audio", str(CLIP), "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["result"]["audio_features_used"] is False and document["audio"] is None
    assert "did not consent" in result.stderr


def test_unusable_audio_sends_the_interview_to_a_person(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(CLIP.read_bytes()[:2000])  # header says more data than there is
    result = runner.invoke(app, ["score", str(EXAMPLE), "--audio", str(broken), "--json"])
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)["result"]
    assert scored["human_review"] is True and scored["audio_features_used"] is False
    assert any(reason.startswith("audio_error: truncated") for reason in scored["review_reasons"])


def test_an_empty_transcript_is_not_scored_and_exits_3(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", written(tmp_path, example(segments=[])), "--json"])
    assert result.exit_code == 3
    scored = json.loads(result.stdout)["result"]
    assert scored["overall_score"] is None and scored["human_review"] is True
    assert "not scored" in result.stderr


def test_family_comes_from_the_option_when_the_analysis_has_none(tmp_path: Path) -> None:
    bare = example(raw={})
    missing = runner.invoke(app, ["score", written(tmp_path, bare)])
    assert missing.exit_code == 2 and "--family" in missing.stderr
    unknown = runner.invoke(app, ["score", written(tmp_path, bare), "--family", "pilot"])
    assert unknown.exit_code == 2 and "unknown family 'pilot'" in unknown.stderr
    chosen = runner.invoke(app, ["score", written(tmp_path, bare), "--family", "sales", "--json"])
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["result"]["rubric_version"].startswith("sales@")


def test_a_rubric_file_with_a_mistake_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("family: x\nversion: '1'\ncompetencies: [\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(EXAMPLE), "--rubric", str(rubric)])
    assert result.exit_code == 2
    assert f"{rubric}:" in result.stderr.replace("\n", "")


def test_a_file_that_is_no_interview_exits_2_naming_the_field(tmp_path: Path) -> None:
    not_json = tmp_path / "notes.txt"
    not_json.write_text("面试记录", encoding="utf-8")
    result = runner.invoke(app, ["score", str(not_json)])
    assert result.exit_code == 2 and "not JSON" in result.stderr
    wrong = runner.invoke(app, ["score", written(tmp_path, example(candidate_id="nobody"))])
    assert wrong.exit_code == 2 and "candidate_id" in wrong.stderr


def test_resume_claims_no_answer_supports_are_flagged(tmp_path: Path) -> None:
    resume = tmp_path / "resume.txt"
    resume.write_text(
        "工作经历\n2019.03-至今 华信科技有限公司 客服主管\n- 带领30人团队完成5000万业绩。\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["score", str(EXAMPLE), "--resume", str(resume), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["resume_claims"], "the resume's quantified claims were read"
    assert any("30人" in flag["resume_quote"] for flag in document["consistency_flags"])
