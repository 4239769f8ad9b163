"""The simulator serves `key in (...)` and `column eq value` filters from its key and indexes,
as SAP's database does, and answers exactly what a scan of every record answers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from connectors.successfactors.edm import ENTITY_SETS
from connectors.successfactors.odata_query import parse_filter
from connectors.successfactors.simulator import SuccessFactorsSimulator


@dataclass
class _Query:
    """What `_matching` reads of a request: its query options."""

    options: dict[str, str]

    def arg(self, name: str) -> str | None:
        return self.options.get(name)


@pytest.fixture(scope="module")
def sim() -> SuccessFactorsSimulator:
    return SuccessFactorsSimulator(candidates=60, requisitions=4)


def _scanned(sim: SuccessFactorsSimulator, set_name: str, text: str) -> list[dict]:
    predicate = parse_filter(text, ENTITY_SETS[set_name], sim._resolve)
    return [r for r in sim._ordered_rows(set_name) if predicate(r)]


def _served(sim: SuccessFactorsSimulator, set_name: str, text: str) -> list[dict]:
    sim._query_cache.clear()
    return sim._matching(ENTITY_SETS[set_name], _Query({"$filter": text}))


def test_key_and_column_lookups_answer_what_a_scan_answers(sim: SuccessFactorsSimulator) -> None:
    apps = sim._ordered_rows("JobApplication")
    ids = [a["applicationId"] for a in apps[::7]]
    owners = sorted({a["candidateId"] for a in apps[::5]})
    filters = [
        f"applicationId in ({','.join(map(str, reversed(ids)))},999999)",
        f"applicationId eq {ids[1]}",
        "applicationId eq 999999",
        f"candidateId in ({','.join(map(str, owners))})",
        f"candidateId eq {owners[0]}",
        f"applicationId in ({ids[0]},{ids[1]}) and candidateId eq {apps[0]['candidateId']}",
    ]
    for text in filters:
        assert parse_filter(text, ENTITY_SETS["JobApplication"], sim._resolve).lookup or (
            " and " in text
        ), text
        assert _served(sim, "JobApplication", text) == _scanned(sim, "JobApplication", text), text
    assert len(_served(sim, "JobApplication", filters[0])) == len(ids)


def test_lookups_keep_key_order_when_rows_arrived_out_of_order(
    sim: SuccessFactorsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = sim._ordered_rows("JobRequisition")[0]
    sim._put("JobRequisition", {**first, "jobReqId": -5})  # a smaller key, stored last
    assert "JobRequisition" in sim._unordered
    text = f"jobReqId in ({first['jobReqId']},-5)"
    scanned = _scanned(sim, "JobRequisition", text)
    monkeypatch.setattr(sim, "_ordered_rows", lambda _name: pytest.fail("scanned every row"))
    assert _served(sim, "JobRequisition", text) == scanned
    assert [r["jobReqId"] for r in scanned] == [-5, first["jobReqId"]]
