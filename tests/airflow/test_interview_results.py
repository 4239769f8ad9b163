"""interview_results through real Airflow (`airflow dags test`) against the interview room and
SuccessFactors simulators on loopback: the run extracts the completed sessions, scores them and
writes the SuccessFactors interview assessments; a second run writes nothing again."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors._core.registry import get_connector
from connectors.interview_room.simulator import InterviewRoomSimulator
from connectors.successfactors.simulator import SuccessFactorsSimulator
from hrhub.airflow_env import airflow_env, run_airflow
from hrhub.flow.review import pending_reviews
from hrhub.ledger import Ledger
from hrhub.sandbox import SandboxSystem, connection_env, connection_uri
from tests.integration.flow_score.world import Clock, hold_interviews, pick_interviews

pytestmark = pytest.mark.airflow


def as_sandbox(system: str, server) -> SandboxSystem:
    spec = get_connector(system)
    return SandboxSystem(
        system=system,
        url=server.url,
        conn_id=spec.default_conn_id,
        conn_uri=connection_uri(spec, server.url, server.connection_extra()),
        server=server,
    )


def test_the_dag_scores_interviews_and_writes_assessments_once(
    airflow_home: Path, ledger_url: str
) -> None:
    clock = Clock()
    with (
        SuccessFactorsSimulator(candidates=120, requisitions=8) as sf,
        InterviewRoomSimulator(seeded=0, clock=clock, auto_start=True) as room,
    ):
        interviews = pick_interviews(sf)
        hold_interviews(room, clock, interviews)
        systems = [as_sandbox("successfactors", sf), as_sandbox("interview_room", room)]
        env = airflow_env(
            {**connection_env(systems), "HRHUB_DATABASE_URL": ledger_url}, home=airflow_home
        )

        def assessments() -> dict[int, dict]:
            return {
                row["interviewRefId"]: row
                for row in sf.rows("InterviewOverallAssessment")
                if row.get("type") == "hrhub_ai_interview"
            }

        run_airflow("dags", "test", "interview_results", env=env, timeout=900)
        ledger = Ledger.open(ledger_url)
        results = {
            r.payload["interview_id"]: r.payload for r in ledger.iter_staged("interview_result")
        }
        assert len(results) == 3, "four analyses, one without a job family"
        direct = {i for i, r in results.items() if not r["human_review"]}
        assert direct and len(pending_reviews(ledger)) == 3 - len(direct)
        written = assessments()
        sf_ids = {i.interview_id: i.sf_interview_id for i in interviews.values()}
        assert set(written) == {sf_ids[i] for i in direct}
        assert len(ledger.landed_writes("successfactors", "interview_assessment")) == len(direct)
        (letter,) = ledger.dead_letters()
        assert letter.field == "job_family"

        run_airflow("dags", "test", "interview_results", env=env, timeout=900)
        assert assessments() == written, "a second run wrote nothing again"
        assert len(list(ledger.iter_staged("interview_result"))) == 3
        assert len(ledger.dead_letters()) == 1
