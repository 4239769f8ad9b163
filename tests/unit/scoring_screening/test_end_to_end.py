"""Real text in, outcome out: the parser, the NER model and screening together."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path

import pytest

from hrhub.scoring.resume import ParsedText
from hrhub.scoring.screening import (
    JobProfile,
    ParsePool,
    Unreadable,
    parse_batch,
    screen,
    screen_batch,
    screen_parsed,
)

from .resumes import (
    EN_RESUME,
    EXAMPLES,
    MODEL_MISSING,
    MODEL_REASON,
    ZH_RESUME,
    ZH_WEAK_RESUME,
)

TODAY = date(2026, 6, 1)
needs_model = pytest.mark.skipif(MODEL_MISSING, reason=MODEL_REASON)


@pytest.fixture(scope="module")
def lead() -> JobProfile:
    return JobProfile.load(EXAMPLES / "customer_service_lead.yaml")


@needs_model
def test_a_chinese_resume_is_scored_with_evidence(lead: JobProfile) -> None:
    outcome = screen(ZH_RESUME.encode("gb18030"), lead, candidate_id="zh-1", today=TODAY)
    assert outcome.status == "scored", outcome.reason
    assert outcome.language == "zh"
    assert set(outcome.matched_skills) >= {"customer_service", "team_management", "excel"}
    assert outcome.parts["experience"].score == 100  # 2016.07 to 2026.06, 3 required
    assert "9.8 years" in outcome.parts["experience"].explanation
    assert outcome.must_haves[0].met  # 客户服务经验>=3年: both jobs are customer service
    assert len(outcome.must_haves[0].evidence) == 3  # the years, then the two jobs
    assert any("带领8人团队" in e for e in outcome.parts["skills"].evidence)
    assert "certificate: 英语六级证书" in outcome.parts["other"].evidence
    assert "李娜" not in str(outcome.to_dict())  # the name is never used
    assert outcome.fit_score is not None and outcome.fit_score >= 70


@needs_model
def test_an_english_resume_is_scored(lead: JobProfile) -> None:
    outcome = screen(EN_RESUME, lead, candidate_id="en-1", today=TODAY)
    assert outcome.status == "scored", outcome.reason
    assert outcome.language == "en"
    assert {"customer_service", "team_management"} <= set(outcome.matched_skills)
    assert outcome.parts["education"].score == 100
    assert outcome.must_haves[0].met  # customer service since 2015
    assert "Emily" not in outcome.explanation


def test_a_binary_file_is_unparseable_with_its_reason(lead: JobProfile) -> None:
    outcome = screen(b"%PDF-1.7\n\x00\x01\x02binary", lead, candidate_id="bin")
    assert (outcome.status, outcome.reason, outcome.fit_score) == (
        "unparseable",
        "binary file",
        None,
    )
    assert outcome.parts == {} and "binary file" in outcome.explanation


@needs_model
def test_a_batch_ranks_shortlists_and_reports_the_unreadable(lead: JobProfile) -> None:
    items = [
        ("c-weak", ZH_WEAK_RESUME),
        ("c-empty", b"   "),
        ("c-zh", ZH_RESUME),
        ("c-ru", "Опыт работы: менеджер по продажам, Москва, 2015-2020"),
        ("c-en", EN_RESUME),
    ]
    outcomes = screen_batch(items, lead, today=TODAY)
    assert screen_batch(list(reversed(items)), lead, today=TODAY) == outcomes
    assert screen_batch(items, lead, today=TODAY, processes=2) == outcomes
    by_id = {o.candidate_id: o for o in outcomes}
    assert [o.candidate_id for o in outcomes if o.scored] == sorted(
        ["c-zh", "c-en", "c-weak"], key=lambda c: (-by_id[c].fit_score, c)
    )
    assert by_id["c-empty"].reason == "empty"
    assert by_id["c-ru"].reason.startswith("unsupported language")
    # ceil(0.3 x 3 scored) = 1 place; the weak resume fails its must-haves anyway.
    assert sum(o.shortlisted for o in outcomes) == 1
    assert not by_id["c-weak"].shortlisted and not by_id["c-weak"].must_haves_met
    record = by_id["c-zh"].to_screening_result("successfactors:application:1", lead.job_id)
    assert record.rank == by_id["c-zh"].rank


@needs_model
def test_one_parse_serves_every_job_and_worker_processes_parse_the_same(lead: JobProfile) -> None:
    engineer = JobProfile.load(EXAMPLES / "data_engineer.yaml")
    items = [
        ("c-zh", ZH_RESUME),
        ("c-en", EN_RESUME),
        ("c-bin", b"\x00\x01PK"),
        ("c-weak", ZH_WEAK_RESUME),
    ]

    parsed = parse_batch(items, today=TODAY)

    assert [candidate for candidate, _ in parsed] == ["c-zh", "c-en", "c-bin", "c-weak"]
    assert dict(parsed)["c-bin"] == Unreadable("binary file")
    assert all(isinstance(p, ParsedText) for c, p in parsed if c != "c-bin")
    assert parse_batch(items, today=TODAY, processes=2) == parsed
    for job in (lead, engineer):
        assert screen_parsed(parsed, job) == screen_batch(items, job, today=TODAY)
    assert screen_parsed(parsed, lead) != screen_parsed(parsed, engineer)
    with pytest.raises(ValueError, match="'c-zh' appears twice"):
        screen_parsed(parsed + parsed[:1], lead)


def _parse_in(queue: multiprocessing.Queue) -> None:
    queue.put(parse_batch([("c-en", EN_RESUME)], today=TODAY, processes=2))


@needs_model
def test_a_daemonic_process_parses_in_itself(lead: JobProfile) -> None:
    """A daemonic process may not start workers (a task inside a pool's worker): it parses
    alone and gets the same answer."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    daemon = context.Process(target=_parse_in, args=(queue,), daemon=True)
    daemon.start()
    parsed = queue.get(timeout=120)
    daemon.join(timeout=30)
    assert daemon.exitcode == 0
    assert parsed == parse_batch([("c-en", EN_RESUME)], today=TODAY)


@needs_model
def test_a_pool_starts_workers_for_a_large_submission_and_reuses_them() -> None:
    items = [(f"c-{n}", (ZH_RESUME, EN_RESUME)[n % 2]) for n in range(6)]
    expected = parse_batch(items, today=TODAY)
    with ParsePool(2, today=TODAY, parallel_from=4) as pool:
        assert pool.submit(items[:3]).result() == expected[:3]
        assert pool._executor is None  # three resumes: parsed here, no workers started
        first = pool.submit(items)
        second = pool.submit(items[::-1])
        assert (first.result(), second.result()) == (expected, expected[::-1])
        workers = set(pool._executor._processes)  # type: ignore[union-attr]
        assert len(workers) == 2
        assert pool.submit(items[:1]).result() == expected[:1]
        assert set(pool._executor._processes) == workers  # type: ignore[union-attr]
    assert pool._executor is None


@needs_model
def test_a_killed_worker_fails_the_parse_instead_of_losing_resumes() -> None:
    """A worker that dies (killed, out of memory) raises in the caller, so the task fails and
    is retried; nothing waits forever and no resume is silently dropped."""
    items = [(f"c-{n}", ZH_RESUME) for n in range(40)]
    with ParsePool(2, today=TODAY) as pool:
        pending = pool.submit(items)
        for process in list(pool._executor._processes.values()):  # type: ignore[union-attr]
            process.kill()
        with pytest.raises(BrokenProcessPool):
            pending.result()


HOST_SCRIPT = """
if __name__ != "__main__":  # run again in a worker: what an Airflow task's host script does
    raise RuntimeError("the host's main script ran in a parse worker")
from hrhub.scoring.screening import ParsePool
from tests.unit.scoring_screening.resumes import EN_RESUME, ZH_RESUME

items = [(f"c-{n}", (ZH_RESUME, EN_RESUME)[n % 2]) for n in range(4)]
with ParsePool(2) as pool:
    parsed = pool.submit(items).result()
    assert pool._executor is not None and len(pool._executor._processes) == 2
print("parsed", len(parsed), sum(type(p).__name__ == "ParsedText" for _, p in parsed))
"""


@needs_model
def test_workers_do_not_run_the_hosts_main_script_again(tmp_path: Path) -> None:
    """Spawned workers would re-run the parent's main script; the `airflow` script fails in a
    task process (no metadata database settings), so the pool keeps it out of its workers."""
    script = tmp_path / "host.py"
    script.write_text(HOST_SCRIPT, encoding="utf-8")
    root = str(Path(__file__).resolve().parents[3])
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["parsed", "4", "4"]
