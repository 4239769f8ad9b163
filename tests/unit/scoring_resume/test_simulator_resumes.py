"""The shipped model and parser on the SuccessFactors simulator's resumes, against the work
records the resumes were written from: what the flow screens must be read right."""

from __future__ import annotations

import pytest

from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.scoring.ner import MODEL_DIR, TRAIN_COMMAND
from hrhub.scoring.resume import parse_resume

from .conftest import TODAY

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / "config.cfg").is_file(),
    reason=f"no Chinese resume NER model at {MODEL_DIR}; build it with `{TRAIN_COMMAND}`",
)


def test_jobs_of_generated_chinese_resumes_are_read_with_employer_and_title() -> None:
    sim = SuccessFactorsSimulator(candidates=300, requisitions=20)
    jobs = employers = both = resumes = 0
    for key in sorted(sim.tables["JobApplication"]):
        application = sim.tables["JobApplication"][key]
        candidate = sim.tables["Candidate"][(application["candidateId"],)]
        if candidate.get("candidateLocale") != "zh_CN":
            continue
        work = sim._related(
            "CandidateBackground_OutsideWorkExperience", "candidateId", candidate["candidateId"]
        )
        parsed = parse_resume(sim.resume_text(application["applicationId"]), today=TODAY)
        assert parsed.name == f"{candidate['lastName']}{candidate['firstName']}"
        truth = {(w["employer"], w["startTitle"]) for w in work}
        found = {(item.employer, item.title) for item in parsed.experience}
        resumes += 1
        jobs += len(truth)
        employers += len({e for e, _ in truth} & {e for e, _ in found})
        both += len(truth & found)
    assert resumes >= 100 and jobs >= 80, (resumes, jobs)
    assert employers / jobs >= 0.95, (employers, jobs)
    assert both / jobs >= 0.90, (both, jobs)
