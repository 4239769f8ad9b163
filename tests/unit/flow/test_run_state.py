"""Reading a run's task states: what failed, and whether it ended as a good run does.

The flag task itself runs in real Airflow runs (tests/airflow/test_system_down.py) and its
place in each DAG is checked in tests/airflow/test_dag_integrity.py.
"""

from __future__ import annotations

from hrhub.flow.run_state import FLAG_TASK_ID, failed_of, unsettled


def test_failed_of_names_failed_and_upstream_failed_tasks_mapped_ones_too() -> None:
    states = {
        "extract_0": "success",
        "extract_3": "failed",
        "screen": "success",
        "invite": "upstream_failed",
        "push_dingtalk": "up_for_retry",  # not failed yet: its retries come first
        "report": "success",
    }
    assert failed_of(states) == ["extract_3", "invite"]
    assert failed_of({}) == []


def test_a_good_run_is_every_task_success_and_the_flag_skipped() -> None:
    good = [
        {"task_id": "extract", "map_index": 0, "state": "success"},
        {"task_id": "report", "map_index": -1, "state": "success"},
        {"task_id": FLAG_TASK_ID, "map_index": -1, "state": "skipped"},
    ]
    assert unsettled(good) == []
    assert unsettled([{"task_id": "report", "state": "success"}]) == []  # a DAG without it


def test_anything_else_is_named_with_its_state() -> None:
    tasks = [
        {"task_id": "extract", "map_index": 2, "state": "failed"},
        {"task_id": "screen", "map_index": -1, "state": "skipped"},  # a real task skipped
        {"task_id": "report", "map_index": -1, "state": "success"},
        {"task_id": FLAG_TASK_ID, "map_index": -1, "state": "failed"},
    ]
    assert unsettled(tasks) == [
        "extract[2]=failed",
        "screen=skipped",
        f"{FLAG_TASK_ID}=failed",
    ]
