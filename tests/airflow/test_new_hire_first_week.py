"""new_hire_first_week through real Airflow (`airflow dags test`) against the NC simulator.

The ledger holds what candidate_flow would have extracted (the eHR's persons, the terminals'
punches); the DAG run queues the new hire's first-week check-ins and pushes them over SOAP.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from connectors.yonyou.client import YonyouClient
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from hrhub.airflow_env import airflow_env, run_airflow
from hrhub.flow.extract import extract_stream
from hrhub.ledger import Ledger
from hrhub.sandbox import connection_env, sandbox
from tests.integration.yonyou.test_first_week_checkins import TODAY, at, hire, punch

pytestmark = pytest.mark.airflow


def test_the_dag_writes_a_new_hires_first_week_checkins_once(
    airflow_home: Path, ledger_url: str
) -> None:
    with sandbox(only=["yonyou"]) as systems:
        server = systems[0].server
        hire(server, "E900001", TODAY - timedelta(days=3))
        ledger = Ledger.open(ledger_url)
        with YonyouClient(
            server.url, flavor="nc", username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
        ) as client:
            extract_stream("yonyou", "nc_persons", client=client, ledger=ledger)
        first_day = TODAY - timedelta(days=3)
        punch(ledger, 1, "E900001", at(first_day, 8, 50), "in")
        punch(ledger, 2, "E900001", at(first_day, 18, 10), "out")
        punch(ledger, 3, "E900001", at(first_day + timedelta(days=1), 8, 58), "in")

        env = airflow_env(
            {**connection_env(systems), "HRHUB_DATABASE_URL": ledger_url}, home=airflow_home
        )
        for day in (TODAY, TODAY + timedelta(days=1)):
            run_airflow(
                "dags", "test", "new_hire_first_week", day.isoformat(), env=env, timeout=600
            )
        assert len(server.data.checkins) == 3, "three punches, three check-ins, none twice"
        landed = ledger.landed_writes("yonyou", "nc_checkin")
        assert len(landed) == 3
        assert ledger.dead_letters() == []
