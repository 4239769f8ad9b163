"""Every connector declares how it erases what the hub read from or wrote to it about a
candidate (connector.yaml `erasure`), and the declarations read as the orchestrator uses them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors._core.erasure import SUBJECT, erasure_rule, erasure_rules
from connectors._core.registry import _manifest_validator, get_connector, registry
from hrhub.erasure import hub_links
from hrhub.flow import hire, invite, schedule
from hrhub.ledger.erasure import StagedKey
from hrhub.ledger.tables import StagedRecord
from hrhub.models import CANONICAL_MODELS, Interview

# Entities that are a candidate or name one (directly, or through an application or interview).
LINKS = {"candidate_id", "application_id", "interview_id"}
PERSONAL = {
    entity
    for entity, model in CANONICAL_MODELS.items()
    if entity == "candidate" or LINKS & set(model.model_fields)
}


def test_the_candidate_entities_are_the_ones_the_flow_links() -> None:
    assert {"candidate", "application", "interview", "interview_analysis"} <= PERSONAL
    assert {"job", "employee", "attendance_event"}.isdisjoint(PERSONAL)


@pytest.mark.parametrize("system", list(registry()))
def test_every_kind_of_candidate_record_has_an_erasure_rule(system: str) -> None:
    spec = get_connector(system)
    rules = erasure_rules(system, spec.manifest)
    assert rules, f"{system} declares no erasure"
    whole = any(SUBJECT in r.what and not r.manual for r in rules)
    named = {kind for r in rules for kind in r.what}
    kinds = {op["name"] for op in spec.manifest.get("operations", []) if op["entity"] in PERSONAL}
    kinds |= {s.entity for s in spec.streams if s.entity in PERSONAL}
    missing = kinds - named
    assert whole or not missing, f"{system}: no erasure rule for {sorted(missing)}"
    for rule in rules:
        assert rule.how in ("api", "manual")
        if rule.manual:
            assert len(rule.instruction) > 40, rule  # says what a person does
        else:  # the client answers for it
            assert callable(getattr(spec.client_class(), "erase", None)), system


def test_a_kind_no_rule_names_is_manual_and_says_so() -> None:
    spec = get_connector("attendance")
    rule = erasure_rule("attendance", spec.manifest, "something_new")
    assert rule.manual and "declares no way to erase something_new" in rule.instruction
    assert erasure_rule(
        "dingtalk", get_connector("dingtalk").manifest, "work_notification"
    ).how == ("api")


def test_a_manual_rule_without_an_instruction_is_refused_by_the_schema() -> None:
    manifest = copy.deepcopy(get_connector("attendance").manifest)
    manifest["erasure"] = [{"what": "upsert_employee", "how": "manual"}]
    errors = list(_manifest_validator().iter_errors(manifest))
    assert any("instruction" in e.message for e in errors)
    manifest["erasure"] = [{"what": "upsert_employee", "how": "delete", "instruction": "x"}]
    assert list(_manifest_validator().iter_errors(manifest))


def test_the_ids_the_flow_derives_from_a_candidates_records() -> None:
    links = hub_links(
        [
            StagedKey("successfactors:application:741", "application", "successfactors", "741"),
            StagedKey("hrhub:interview:741-ai", "interview", "hrhub", "741-ai"),
            StagedKey("successfactors:candidate:41", "candidate", "successfactors", "41"),
        ]
    )
    assert links.exact == {
        "hrhub:pre_hire:successfactors-741",
        "hrhub:notification:invite-741-ai",
    }
    assert links.prefixes == ("hrhub:notification:reschedule-741-ai-",)


class _NoRecords:
    def get_records(self, ids: object) -> list[object]:
        return []


def test_the_derived_ids_are_the_ones_the_flow_steps_make() -> None:
    """hub_links spells the ids invite, reschedule and hire give their writes: if a step
    changes its spelling, an erasure would miss those writes, so this test says so."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    interview = Interview(
        source_system="hrhub",
        remote_id="741-ai",
        modified_at=start,
        application_id="successfactors:application:741",
        candidate_id="successfactors:candidate:41",
        slot_start=start,
        slot_end=start + timedelta(minutes=45),
    )
    application = StagedRecord(
        canonical_id="successfactors:application:741",
        entity="application",
        source_system="successfactors",
        remote_id="741",
        modified_at=start,
        payload={"candidate_id": "successfactors:candidate:41"},
        payload_hash="0" * 64,
        batch_id="b",
    )
    person = StagedRecord(
        canonical_id="successfactors:candidate:41",
        entity="candidate",
        source_system="successfactors",
        remote_id="41",
        modified_at=start,
        payload={"name": "Anna"},
        payload_hash="0" * 64,
        batch_id="b",
    )
    links = hub_links(
        [
            StagedKey(application.canonical_id, "application", "successfactors", "741"),
            StagedKey(interview.canonical_id, "interview", "hrhub", "741-ai"),
        ]
    )

    invited = invite._notice(interview, "u1", "zh", None)["canonical_id"]
    no_ledger: Any = _NoRecords()
    moved = schedule._notice(no_ledger, interview, "u1", "zh")["canonical_id"]
    codes = hire._EmployeeCodes(no_ledger)
    pre_hire = hire._pre_hire(application, person, person, codes, start)

    assert invited in links.exact
    assert any(moved.startswith(prefix) for prefix in links.prefixes)
    assert pre_hire["canonical_id"] in links.exact
