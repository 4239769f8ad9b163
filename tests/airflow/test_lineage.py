"""The mappings' column lineage reaches real OpenLineage events from real DAG runs.

Airflow runs the DAGs with `airflow dags test` against the simulators, its OpenLineage
provider switched on by one variable (the file transport, appending to a file in tmp_path);
the test reads the events Airflow wrote and looks for each mapping's column lineage on the
task run that used it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors._core.registry import get_connector
from connectors.yonyou.client import YonyouClient
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET
from hrhub.airflow_env import airflow_env, run_airflow
from hrhub.flow.extract import extract_stream, planned_streams
from hrhub.ledger import Ledger
from hrhub.sandbox import connection_env, connection_uri, sandbox
from tests.integration.yonyou.test_first_week_checkins import TODAY, at, hire, punch

pytestmark = pytest.mark.airflow

COLUMN_LINEAGE_SCHEMA = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"


def lineage_transport(events: Path) -> dict[str, str]:
    """The one variable that switches OpenLineage on: events appended to `events`."""
    transport = {"type": "file", "log_file_path": str(events), "append": True}
    return {"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport)}


def read_events(path: Path) -> list[dict[str, Any]]:
    assert path.is_file(), f"Airflow wrote no OpenLineage event to {path}"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def lineage_events(events: list[dict[str, Any]], job: str) -> list[dict[str, Any]]:
    """The events of task `job` that carry datasets (the tasks' own RUNNING events)."""
    return [e for e in events if e["job"]["name"] == job and e.get("outputs")]


def output(event: dict[str, Any], namespace: str, name: str) -> dict[str, Any]:
    found = [o for o in event["outputs"] if (o["namespace"], o["name"]) == (namespace, name)]
    assert len(found) == 1, (
        namespace,
        name,
        [(o["namespace"], o["name"]) for o in event["outputs"]],
    )
    return found[0]


def inputs_of(column_lineage: dict[str, Any], target: str) -> list[tuple[str, str, str, dict]]:
    """(namespace, name, field, the single transformation) of each input of `target`."""
    result = []
    for item in column_lineage["fields"][target]["inputFields"]:
        (transformation,) = item["transformations"]
        result.append((item["namespace"], item["name"], item["field"], transformation))
    return result


def same_run_as_task(events: list[dict[str, Any]], event: dict[str, Any]) -> bool:
    """The lineage belongs to a task run that Airflow started and completed."""
    states = {e["eventType"] for e in events if e["run"]["runId"] == event["run"]["runId"]}
    return {"START", "COMPLETE"} <= states


def test_openlineage_is_off_unless_a_transport_is_set(tmp_path: Path) -> None:
    code = "from airflow.providers.openlineage.conf import is_disabled; print(is_disabled())"
    base = {k: v for k, v in airflow_env(home=tmp_path).items() if "OPENLINEAGE" not in k}

    def disabled(env: dict[str, str]) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip().splitlines()[-1]

    assert disabled(base) == "True"  # airflow.cfg as shipped: nothing is built or sent
    assert disabled({**base, **lineage_transport(tmp_path / "events.jsonl")}) == "False"


def test_extract_tasks_report_the_column_lineage_of_their_in_mappings(
    airflow_home: Path, ledger_url: str, tmp_path: Path
) -> None:
    events_file = tmp_path / "openlineage.jsonl"
    with sandbox() as systems:
        env = airflow_env(
            {
                **connection_env(systems),
                "HRHUB_DATABASE_URL": ledger_url,
                **lineage_transport(events_file),
            },
            home=airflow_home,
        )
        run_airflow("dags", "test", "candidate_flow", env=env, timeout=600)
        flavors = {s.system: s.flavor for s in systems}
    events = read_events(events_file)

    # One lineage report per extracted stream, each on its own extract task run.
    reported = lineage_events(events, "candidate_flow.extract")
    assert len(reported) == len(planned_streams(flavors=flavors))
    assert all(same_run_as_task(events, event) for event in reported)
    assert len({event["run"]["runId"] for event in reported}) == len(reported)

    (candidates,) = [
        e for e in reported if e["inputs"][0]["namespace"] == "hrhub://successfactors"
        and e["inputs"][0]["name"] == "candidate"
    ]  # fmt: skip
    facets = output(candidates, "hrhub://canonical", "candidate")["facets"]
    lineage = facets["columnLineage"]
    assert lineage["_schemaURL"].startswith(COLUMN_LINEAGE_SCHEMA)
    sf = ("hrhub://successfactors", "candidate")
    # A copied field: IDENTITY from its one source field.
    assert inputs_of(lineage, "given_name") == [
        (*sf, "firstName", {"type": "DIRECT", "subtype": "IDENTITY", "description": "copy",
                            "masking": False}),
    ]  # fmt: skip
    # A transformed one: TRANSFORMATION, saying which transform.
    assert inputs_of(lineage, "modified_at") == [
        (*sf, "lastModifiedDateTime", {"type": "DIRECT", "subtype": "TRANSFORMATION",
                                       "description": "sf_date()", "masking": False}),
    ]  # fmt: skip
    # Several sources combined: one input each, in the mapping's order.
    assert [field for _, _, field, _ in inputs_of(lineage, "name")] == ["firstName", "lastName"]
    # A constant (a default without a source) has no input.
    assert lineage["fields"]["source_system"]["inputFields"] == []
    assert "modified_at" in {f["name"] for f in facets["schema"]["fields"]}
    assert (
        "mappings/successfactors/candidate.in.yaml (sha256:"
        in (facets["documentation"]["description"])
    )
    read = {f["name"] for f in candidates["inputs"][0]["facets"]["schema"]["fields"]}
    assert {"firstName", "lastName", "lastModifiedDateTime"} <= read


def test_push_reports_the_column_lineage_of_the_operation_it_wrote(
    airflow_home: Path, ledger_url: str, tmp_path: Path
) -> None:
    """YonBIP check-ins: the out-mapping copies, transforms and hashes (a masking transform)."""
    events_file = tmp_path / "openlineage.jsonl"
    with sandbox(only=["yonyou"]) as systems:
        (yonyou,) = systems
        server = yonyou.server
        hire(server, "E900001", TODAY - timedelta(days=3))
        ledger = Ledger.open(ledger_url)
        with YonyouClient(
            server.url, flavor="bip", username=SANDBOX_APP_KEY, password=SANDBOX_APP_SECRET
        ) as client:
            extract_stream("yonyou", "bip_staff", client=client, ledger=ledger)
        first_day = TODAY - timedelta(days=3)
        punch(ledger, 1, "E900001", at(first_day, 8, 50), "in")
        punch(ledger, 2, "E900001", at(first_day, 18, 10), "out")

        extra = {**server.connection_extra(), "flavor": "bip"}  # the YonBIP product
        bip = connection_uri(get_connector("yonyou"), server.url, extra)
        env = airflow_env(
            {
                yonyou.env_var: bip,
                "HRHUB_DATABASE_URL": ledger_url,
                **lineage_transport(events_file),
            },
            home=airflow_home,
        )
        run_airflow("dags", "test", "new_hire_first_week", TODAY.isoformat(), env=env, timeout=600)
    assert len(ledger.landed_writes("yonyou", "bip_checkin")) == 2
    events = read_events(events_file)

    (pushed,) = lineage_events(events, "new_hire_first_week.push")
    assert same_run_as_task(events, pushed)
    assert [(i["namespace"], i["name"]) for i in pushed["inputs"]] == [
        ("hrhub://canonical", "attendance_event")
    ]
    lineage = output(pushed, "hrhub://yonyou", "bip_checkin")["facets"]["columnLineage"]
    event = ("hrhub://canonical", "attendance_event")
    assert inputs_of(lineage, "staffCode") == [
        (*event, "person_code", {"type": "DIRECT", "subtype": "IDENTITY", "description": "copy",
                                 "masking": False}),
    ]  # fmt: skip
    assert inputs_of(lineage, "signTime") == [
        (*event, "punch_time", {"type": "DIRECT", "subtype": "TRANSFORMATION",
                                "description": 'to_naive_local(zone="Asia/Shanghai")',
                                "masking": False}),
    ]  # fmt: skip
    # The code is a sha256 of the hub's id: a pseudonym, flagged as masking.
    assert inputs_of(lineage, "code") == [
        (*event, "canonical_id", {"type": "DIRECT", "subtype": "TRANSFORMATION",
                                  "description": "hash()", "masking": True}),
    ]  # fmt: skip
    # The queue task only fills the outbox; the lineage into YonBIP is the push's, once.
    assert lineage_events(events, "new_hire_first_week.queue") == []
