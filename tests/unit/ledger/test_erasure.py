"""The ledger's part of the right to erasure, on SQLite and PostgreSQL: everything tied to one
candidate goes, a tombstone of ids stays, other candidates keep every row, and extract does
not bring the erased candidate back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from hrhub.erasure import hub_links
from hrhub.flow.extract import extract_stream
from hrhub.ledger import Ledger, OutboxItem, OutboxStatus, StageInput
from hrhub.ledger.erasure import (
    erase_subject,
    erased_among,
    erased_remote_ids,
    find_subject,
    record_answers,
    tombstone,
    unfinished,
)
from hrhub.ledger.tables import LEDGER_TABLES, ErasedRecord, ReviewHold, utcnow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANNA = "successfactors:candidate:41"
BO = "successfactors:candidate:42"
PEOPLE = {
    ANNA: {
        "name": "Anna Erasable",
        "email": "anna.erasable@example.com",
        "phone": "+86 139 0000 4141",
    },
    BO: {"name": "Bo Keeps", "email": "bo.keeps@example.com", "phone": "+86 139 0000 4242"},
}


def _stage(ledger: Ledger, candidate_id: str) -> dict[str, str]:
    """A candidate half-way through the flow, as the steps leave them: records of every kind
    linked to the candidate, writes to three systems (landed, queued, refused), a reminder and
    a reschedule notice, a pre-hire that a target refused, a review hold. Their ids."""
    n = candidate_id.rsplit(":", 1)[-1]
    person = PEOPLE[candidate_id]
    app, interview = f"successfactors:application:7{n}", f"hrhub:interview:7{n}-ai"
    result = f"hrhub:interview_result:7{n}-ai"

    def rec(cid: str, entity: str, payload: dict[str, Any], source: str) -> StageInput:
        remote = cid.rsplit(":", 1)[-1]
        return StageInput(cid, entity, source, remote, T0, payload)

    ledger.stage(
        [
            rec(
                candidate_id,
                "candidate",
                {"name": person["name"], "emails": [person["email"]], "phones": [person["phone"]]},
                "successfactors",
            ),
            rec(
                app,
                "application",
                {"candidate_id": candidate_id, "job_id": "successfactors:job:1"},
                "successfactors",
            ),
            rec(
                f"hrhub:parsed_resume:{n}",
                "parsed_resume",
                {"candidate_id": candidate_id, "name": person["name"], "emails": [person["email"]]},
                "hrhub",
            ),
            rec(
                interview,
                "interview",
                {"application_id": app, "candidate_id": candidate_id, "link_url": "https://r/x"},
                "hrhub",
            ),
            # An analysis from the room, linked only through its interview (no candidate_id):
            # the erasure follows the links to the end.
            rec(
                f"interview_room:interview_analysis:ses{n}",
                "interview_analysis",
                {"interview_id": interview, "segments": [{"text": f"I am {person['name']}"}]},
                "interview_room",
            ),
            rec(
                result,
                "interview_result",
                {"candidate_id": candidate_id, "explanation": f"{person['name']} answered well"},
                "hrhub",
            ),
        ],
        batch_id=f"b{n}",
    )
    order = ledger.enqueue(
        "interview_room", "create_orders", interview, {"name": person["name"]}, "v1"
    )
    ledger.complete(order.idempotency_key, f"ord{n}")
    invite = f"hrhub:notification:invite-7{n}-ai"
    sent = ledger.enqueue("dingtalk", "work_notification", invite, {"userid": f"u{n}"}, "v1")
    ledger.complete(sent.idempotency_key, f"9{n}:u{n}")
    ledger.enqueue("dingtalk", "work_notification", invite, {"userid": f"u{n}", "no": 2}, "v1")
    moved = f"hrhub:notification:reschedule-7{n}-ai-202603021000"
    ledger.enqueue("dingtalk", "work_notification", moved, {"userid": f"u{n}"}, "v1")
    status = ledger.enqueue("successfactors", "application_status", app, {"s": "Invited"}, "v1")
    ledger.complete(status.idempotency_key, f"7{n}")
    pre_hire = f"hrhub:pre_hire:successfactors-7{n}"
    refused = ledger.enqueue("dingtalk", "pre_entry", pre_hire, {"mobile": person["phone"]}, "v1")
    ledger.fail(refused.idempotency_key, "bad mobile", retriable=False, field="mobile")
    ledger.dead_letter(
        "successfactors", "candidate", candidate_id, "field 'x': bad", {"email": person["email"]}
    )
    ledger.hold_review(
        ReviewHold(
            result_id=result,
            candidate_id=candidate_id,
            proposed_decision="reject",
            result={"explanation": f"{person['name']} was quiet"},
            writes=[{"payload": {"name": person["name"]}}],
        )
    )
    return {"application": app, "interview": interview, "result": result}


def _text_of_every_table(ledger: Ledger) -> str:
    with Session(ledger.engine) as session:
        return "\n".join(
            repr(row.model_dump()) for table in LEDGER_TABLES for row in session.exec(select(table))
        )


def _rows(ledger: Ledger) -> dict[str, int]:
    with Session(ledger.engine) as session:
        return {t.__tablename__: len(session.exec(select(t)).all()) for t in LEDGER_TABLES}


def test_erasure_removes_everything_tied_to_the_candidate_and_nothing_else(
    ledger: Ledger,
) -> None:
    _stage(ledger, ANNA)
    _stage(ledger, BO)
    only_bo = _rows(ledger)
    before = _text_of_every_table(ledger)
    for value in (*PEOPLE[ANNA].values(), *PEOPLE[BO].values()):
        assert value in before, value  # the search below can find what it looks for

    found, subject = erase_subject(ledger, ANNA, by="dpo.wang", derive=hub_links)

    assert found.counts() == {
        "staged": 6,
        "outbox": 6,  # order, invite, reminder, reschedule, status, pre-hire
        "receipts": 3,
        "dead_letters": 2,  # the refused pre-hire, the extract letter
        "reviews": 1,
    }
    text = _text_of_every_table(ledger)
    for value in PEOPLE[ANNA].values():
        assert value not in text, value
    for value in PEOPLE[BO].values():
        assert value in text, value
    # Bo keeps every row; Anna leaves nothing but her tombstone.
    after = _rows(ledger)
    for table in ("ledger_staged_record", "ledger_outbox", "ledger_receipt", "ledger_review"):
        assert after[table] * 2 == only_bo[table], table
    assert after["ledger_dead_letter"] * 2 == only_bo["ledger_dead_letter"]
    assert find_subject(ledger, ANNA, hub_links).empty
    assert not find_subject(ledger, BO, hub_links).empty
    # The tombstone: ids only, and the records to ask other systems about.
    assert subject.subject_id == ANNA and subject.requested_by == "dpo.wang"
    assert {(t["system"], t["kind"], t["remote_id"]) for t in subject.targets} == {
        ("successfactors", "candidate", "41"),
        ("successfactors", "application", "741"),
        ("successfactors", "application_status", "741"),
        ("interview_room", "interview_analysis", "ses41"),
        ("interview_room", "create_orders", "ord41"),
        ("dingtalk", "work_notification", "941:u41"),
    }
    assert {t["status"] for t in subject.targets} == {"pending"}
    assert subject.completed_at is None
    assert erased_among(ledger, [ANNA, BO, "hrhub:interview:741-ai", "x"]) == {
        ANNA,
        "hrhub:interview:741-ai",
    }
    # What a reconciliation of a source leaves out: the source may still hold them.
    assert erased_remote_ids(ledger, "successfactors", "candidate") == {"41"}
    assert erased_remote_ids(ledger, "successfactors", "application") == {"741"}
    assert erased_remote_ids(ledger, "interview_room", "interview_analysis") == {"ses41"}


def test_a_second_erasure_finds_nothing_and_keeps_the_answers(ledger: Ledger) -> None:
    _stage(ledger, ANNA)
    _, first = erase_subject(ledger, ANNA, by="dpo.wang", derive=hub_links)
    answers = {
        (t["system"], t["kind"], t["remote_id"]): ("manual", "purge it")
        for t in first.targets
        if t["system"] == "successfactors"
    }
    record_answers(ledger, ANNA, answers)

    found, again = erase_subject(ledger, ANNA, by="someone.else", derive=hub_links)

    assert found.empty
    assert again.requested_by == "dpo.wang"
    assert again.removed == first.removed
    statuses = {t["remote_id"]: (t["status"], t["attempts"]) for t in again.targets}
    assert statuses["41"] == ("manual", 1)
    assert statuses["ord41"] == ("pending", 0)


def test_the_erasure_completes_once_every_system_answered(ledger: Ledger) -> None:
    _stage(ledger, ANNA)
    _, subject = erase_subject(ledger, ANNA, by="dpo.wang", derive=hub_links)
    keys = [(t["system"], t["kind"], t["remote_id"]) for t in subject.targets]
    failed = ("dingtalk", "work_notification", "941:u41")

    record_answers(
        ledger, ANNA, {k: ("failed", "down") if k == failed else ("erased", "") for k in keys}
    )
    assert [s.subject_id for s in unfinished(ledger)] == [ANNA]
    assert tombstone(ledger, ANNA).completed_at is None

    done = record_answers(ledger, ANNA, {failed: ("not_found", "already gone")})
    assert done.completed_at is not None
    assert unfinished(ledger) == []
    target = next(t for t in done.targets if t["remote_id"] == "941:u41")
    assert (target["status"], target["attempts"]) == ("not_found", 2)


def test_a_write_in_flight_keeps_its_row_without_personal_data_until_it_settles(
    ledger: Ledger,
) -> None:
    _stage(ledger, ANNA)
    payload = {"name": PEOPLE[ANNA]["name"], "v": 2}
    order = ledger.enqueue(
        "interview_room", "create_orders", "hrhub:interview:741-ai", payload, "v1"
    )
    [claimed] = ledger.claim("interview_room", 10, claimant="push-1")
    assert claimed.idempotency_key == order.idempotency_key

    found, subject = erase_subject(ledger, ANNA, by="dpo.wang", derive=hub_links)

    assert found.in_flight == [order.idempotency_key] and subject.in_flight == 1
    kept = ledger.outbox_item(order.idempotency_key)
    assert kept is not None and kept.payload == {} and kept.status == OutboxStatus.IN_FLIGHT
    assert PEOPLE[ANNA]["name"] not in _text_of_every_table(ledger)
    # The push settles it: it landed, so the next call asks the room about that order too.
    ledger.complete(order.idempotency_key, "ord-late")
    found, subject = erase_subject(ledger, ANNA, by="dpo.wang", derive=hub_links)
    assert found.counts()["receipts"] == 1 and ledger.outbox_item(order.idempotency_key) is None
    assert subject.in_flight == 0
    assert ("interview_room", "create_orders", "ord-late") in {
        (t["system"], t["kind"], t["remote_id"]) for t in subject.targets
    }


def test_a_write_whose_lease_ran_out_is_removed_at_once(ledger: Ledger) -> None:
    _stage(ledger, ANNA)
    interview = "hrhub:interview:741-ai"
    order = ledger.enqueue("interview_room", "create_orders", interview, {"v": 3}, "v1")
    ledger.claim("interview_room", 10)
    with Session(ledger.engine) as session, session.begin():
        session.exec(
            update(OutboxItem)
            .where(OutboxItem.idempotency_key == order.idempotency_key)
            .values(updated_at=utcnow() - ledger.lease_timeout - timedelta(seconds=1))
        )

    found, subject = erase_subject(ledger, ANNA, by="dpo.wang", derive=hub_links)

    assert found.in_flight == [] and subject.in_flight == 0
    assert ledger.outbox_item(order.idempotency_key) is None


def test_a_candidate_the_ledger_never_saw_is_still_tombstoned(ledger: Ledger) -> None:
    found, subject = erase_subject(ledger, "yonyou:candidate:P9", by="dpo.wang")

    assert found.empty
    assert [(t["system"], t["kind"], t["remote_id"]) for t in subject.targets] == [
        ("yonyou", "candidate", "P9")
    ]
    with Session(ledger.engine) as session:
        [record] = session.exec(select(ErasedRecord)).all()
    assert (record.canonical_id, record.source_system, record.remote_id) == (
        "yonyou:candidate:P9",
        "yonyou",
        "P9",
    )


class OnePageClient:
    """A SuccessFactors source with one page: what extract_stream reads from a client."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def read_stream(self, stream: str, *, since: Any, overlap_seconds: int) -> list[Any]:
        return [self.records]

    def cursor_value(self, stream: str, raw: dict[str, Any]) -> str:
        return str(raw["lastModifiedDateTime"])


def _sf_candidate(
    n: int, *, first: str = "Anna", modified_ms: int = 1793347200000
) -> dict[str, Any]:
    return {
        "candidateId": n,
        "firstName": first,
        "lastName": "Erasable",
        "primaryEmail": f"c{n}@example.com",
        "lastModifiedDateTime": f"/Date({modified_ms})/",
    }


def _sf_application(n: int, candidate: int) -> dict[str, Any]:
    return {
        "applicationId": n,
        "candidateId": candidate,
        "jobReqId": 1,
        "status": "Open",
        "lastModifiedDateTime": "/Date(1793347200000)/",
    }


def test_extract_skips_an_erased_candidate_and_what_names_them(ledger: Ledger) -> None:
    erase_subject(ledger, ANNA, by="dpo.wang")
    bad = {**_sf_candidate(41), "lastModifiedDateTime": "not a date"}

    people = extract_stream(
        "successfactors",
        "Candidate",
        client=OnePageClient([_sf_candidate(41), bad, _sf_candidate(42, first="Bo")]),
        ledger=ledger,
    )
    applications = extract_stream(
        "successfactors",
        "JobApplication",
        client=OnePageClient([_sf_application(741, 41), _sf_application(742, 42)]),
        ledger=ledger,
    )

    assert (people.read, people.erased, people.inserted, people.dead_letters) == (3, 2, 1, 0)
    assert (applications.erased, applications.inserted) == (1, 1)
    assert ledger.get_records([ANNA, "successfactors:application:741"]) == []
    assert [r.canonical_id for r in ledger.get_records([BO, "successfactors:application:742"])] == [
        BO,
        "successfactors:application:742",
    ]
    assert ledger.dead_letters() == []
    assert people.watermark_after == "/Date(1793347200000)/"
