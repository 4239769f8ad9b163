"""Sealing: sensitive personal data (id numbers, voice features) is encrypted at rest.

Each ledger test runs on SQLite and PostgreSQL; what is stored is read back with plain SQL,
past the ORM events that unseal, so a plaintext value anywhere in any table is found.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlmodel import Session

from hrhub.ledger import (
    DeadLetter,
    Ledger,
    LedgerBase,
    OutboxItem,
    StagedRecord,
    StageInput,
    content_hash,
    idempotency_key,
    payload_hash,
    sealing,
)
from hrhub.ledger.sealing import KEY_ENV, SEALED, LedgerKeyError, Sealer, default_sealer
from hrhub.ledger.tables import ReviewHold, ReviewStatus
from hrhub.models import (
    Application,
    Candidate,
    CompetencyScore,
    Employee,
    Evidence,
    InterviewResult,
    Recommendation,
    sensitive_paths,
)
from hrhub.schema_export import schema_for
from hrhub.web import WebSettings, create_app
from hrhub.web.masking import mask_text
from hrhub.web.queries import payload_values
from hrhub.web.roles import RoleDirectory

KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ID_NUMBER = "11010519491231002X"
EMPLOYEE_ID = "310104198807150417"
# Voice features with digits no other stored value has, so finding them finds a leak.
VOICE = {"speech_rate_sps": 4.731946, "pause_ratio": 0.186537, "pitch_median_hz": 173.918264}
SECRETS = (ID_NUMBER, EMPLOYEE_ID, *(repr(v) for v in VOICE.values()))


# --------------------------------------------------------------------------- builders


def candidate(id_number: str | None = ID_NUMBER, remote: str = "0042") -> Candidate:
    return Candidate(
        source_system="yonyou",
        remote_id=remote,
        modified_at=T0,
        name="张伟",
        phones=["+8613800000042"],
        id_number=id_number,
        raw={"pk_applicant": remote, "name": "张伟", "id": id_number},
    )


def result(human_review: bool = False) -> InterviewResult:
    return InterviewResult(
        source_system="hrhub",
        remote_id="r-0042",
        modified_at=T0,
        interview_id="hrhub:interview:i-0042",
        application_id="yonyou:application:a-0042",
        candidate_id="yonyou:candidate:0042",
        competency_scores=[
            CompetencyScore(
                competency="problem_solving",
                score=70,
                weight=0.6,
                evidence=[Evidence(quote="我先复现了问题", question_id="q1")],
            ),
            CompetencyScore(competency="communication", score=80, weight=0.4, features=VOICE),
        ],
        overall_score=74.0,
        recommendation=Recommendation.YES,
        human_review=human_review,
        review_reasons=["automated_decision_opt_out: the candidate asked"] if human_review else [],
        explanation="回答具体，语速适中。",
        rubric_version="rubric-1",
        model_version="model-1",
        audio_features_used=True,
    )


def employee() -> Employee:
    return Employee(
        source_system="yonyou",
        remote_id="p-7",
        modified_at=T0,
        employee_code="E100007",
        name="李娜",
        id_number=EMPLOYEE_ID,
        raw={"pk_psndoc": "p-7", "id": EMPLOYEE_ID},
    )


def stored_text(ledger: Ledger) -> str:
    """Every row of every ledger table as plain SQL returns it (no ORM, nothing unsealed)."""
    rows = []
    with ledger.engine.connect() as conn:
        for table in LedgerBase.metadata.sorted_tables:
            found = conn.execute(text(f"SELECT * FROM {table.name}"))
            rows += [f"{table.name}: {tuple(row)!r}" for row in found]
    return "\n".join(rows)


def stored_column(ledger: Ledger, table: str, column: str, key: str, value: str) -> Any:
    """One JSON column of one row as stored."""
    with ledger.engine.connect() as conn:
        found = conn.execute(
            text(f"SELECT {column} FROM {table} WHERE {key} = :v"),
            {"v": value},
        ).scalar_one()
    return json.loads(found) if isinstance(found, str) else found


def sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


@pytest.fixture
def sealer() -> Sealer:
    return Sealer([KEY])


@pytest.fixture
def led(ledger_url: str, sealer: Sealer) -> Iterator[Ledger]:
    ledger = Ledger(ledger_url, sealer=sealer)
    ledger.create_all()
    yield ledger
    ledger.close()


@pytest.fixture
def fresh_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No HRHUB_LEDGER_KEY, HRHUB_HOME in tmp_path, nothing resolved yet; the key file path."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv("HRHUB_HOME", str(tmp_path))
    sealing._environment_keyring.cache_clear()
    sealing._default_sealer.cache_clear()
    yield tmp_path / ".hrhub" / "ledger.key"
    sealing._environment_keyring.cache_clear()
    sealing._default_sealer.cache_clear()


# --------------------------------------------------------------------------- the models


def test_the_models_name_the_sensitive_paths() -> None:
    assert sensitive_paths("candidate") == ("id_number", "raw")
    assert sensitive_paths("employee") == ("id_number", "raw")
    assert sensitive_paths("pre_hire") == ("id_number", "raw")
    assert sensitive_paths("interview_result") == ("competency_scores[].features", "raw")
    assert sensitive_paths("application") == ()
    # The exported schema carries the flag, still as personal data too.
    schema = schema_for(InterviewResult)
    features = schema["$defs"]["CompetencyScore"]["properties"]["features"]
    assert features["x-sensitive"] is True and features["x-personal-data"] is True
    assert schema_for(Candidate)["properties"]["id_number"]["x-sensitive"] is True
    assert "x-sensitive" not in schema_for(Candidate)["properties"]["name"]


# --------------------------------------------------------------------------- at rest


def test_sensitive_values_are_nowhere_in_the_database_but_the_ledger_returns_them(
    led: Ledger, ledger_url: str
) -> None:
    cand, res, emp = candidate(), result(), employee()
    led.stage([StageInput.of(cand), StageInput.of(res), StageInput.of(emp)], batch_id="b1")
    held = result(human_review=True)
    hold = ReviewHold(
        result_id=held.canonical_id,
        candidate_id=held.candidate_id,
        proposed_decision=held.decision.value,
        reasons=list(held.review_reasons),
        result=held.model_dump(mode="json"),
        writes=[
            {
                "target_system": "yonyou",
                "operation": "nc_interview_result",
                "canonical_id": held.canonical_id,
                "payload": {"bill_id": held.canonical_id, "voice": VOICE},
                "mapping_version": "v1",
            }
        ],
    )
    led.hold_review(hold)
    led.enqueue("yonyou", "nc_pre_hire", "hrhub:pre_hire:1", {"id": ID_NUMBER}, "v1")
    led.dead_letter("yonyou", "candidate", cand.canonical_id, "no job", cand.raw)

    stored = stored_text(led)
    for secret in SECRETS:
        assert secret not in stored
    # What is not sensitive stays readable (SQLite's JSON escapes non-ASCII: test ASCII).
    assert "+8613800000042" in stored and "E100007" in stored
    if ledger_url.startswith("sqlite"):  # the file itself, write-ahead log included
        database = Path(ledger_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        for secret in SECRETS:
            assert secret.encode() not in raw

    by_id = {
        r.canonical_id: r.payload for r in led.get_records([cand.canonical_id, res.canonical_id])
    }
    assert by_id[cand.canonical_id] == cand.model_dump(mode="json")
    assert by_id[res.canonical_id] == res.model_dump(mode="json")
    assert by_id[res.canonical_id]["competency_scores"][1]["features"] == VOICE
    assert [r.payload["id_number"] for r in led.iter_staged("employee")] == [EMPLOYEE_ID]
    back = led.review_hold(held.canonical_id)
    assert back is not None and back.result == held.model_dump(mode="json")
    assert back.writes[0]["payload"]["voice"] == VOICE
    assert led.dead_letters()[0].payload == cand.raw


def test_the_hash_and_the_idempotency_key_are_of_the_plaintext(led: Ledger) -> None:
    cand = candidate()
    payload = cand.model_dump(mode="json")
    led.stage([StageInput.of(cand)], batch_id="b1")
    (row,) = led.get_records([cand.canonical_id])
    assert row.payload_hash == content_hash(payload)
    assert led.stage([StageInput.of(cand)], batch_id="b2").skipped_same == 1
    item = led.enqueue("yonyou", "nc_pre_hire", cand.canonical_id, {"id": ID_NUMBER}, "v1")
    digest = payload_hash({"id": ID_NUMBER})
    assert item.payload_hash == digest
    assert item.idempotency_key == idempotency_key(
        "yonyou", "nc_pre_hire", cand.canonical_id, digest
    )


def test_a_changed_record_is_sealed_again_and_reads_its_new_value(led: Ledger) -> None:
    led.stage([StageInput.of(candidate())], batch_id="b1")
    changed = candidate(id_number="440305199912120011").model_copy(
        update={"modified_at": datetime(2026, 3, 3, tzinfo=UTC)}
    )
    assert led.stage([StageInput.of(changed)], batch_id="b2").updated == 1
    stored = stored_column(
        led, "ledger_staged_record", "payload", "canonical_id", changed.canonical_id
    )
    assert sealed(stored["id_number"]) and sealed(stored["raw"])
    assert "440305199912120011" not in stored_text(led)
    (row,) = led.get_records([changed.canonical_id])
    assert row.payload["id_number"] == "440305199912120011"


def test_an_empty_or_missing_sensitive_value_is_left_as_it_is(led: Ledger) -> None:
    cand = candidate(id_number=None)
    led.stage([StageInput.of(cand)], batch_id="b1")
    stored = stored_column(
        led, "ledger_staged_record", "payload", "canonical_id", cand.canonical_id
    )
    assert stored["id_number"] is None  # None says nothing: it stays None
    assert sealed(stored["raw"])
    assert led.get_records([cand.canonical_id])[0].payload == cand.model_dump(mode="json")


# --------------------------------------------------------------------------- outbox, letters


def test_an_outbox_write_of_a_sensitive_entity_is_sealed_whole_and_read_back(
    led: Ledger,
) -> None:
    body = {"name": "张伟", "id": ID_NUMBER, "entry_date": "2026-04-01"}
    item = led.enqueue("yonyou", "nc_pre_hire", "hrhub:pre_hire:1", body, "v1")
    assert item.payload == body  # the instance holds plaintext
    stored = stored_column(led, "ledger_outbox", "payload", "idempotency_key", item.idempotency_key)
    assert sealed(stored)
    assert led.outbox_item(item.idempotency_key).payload == body  # type: ignore[union-attr]
    assert [i.payload for i in led.outbox_items("yonyou", "nc_pre_hire")] == [body]
    (claimed,) = led.claim("yonyou", 10)
    assert claimed.payload == body
    led.complete(claimed.idempotency_key, "psn-1")
    assert [i.payload for i, _ in led.iter_writes("yonyou", "nc_pre_hire")] == [body]
    assert [i.payload for _, i in led.landed_writes("yonyou", "nc_pre_hire")] == [body]
    # Another write of a record without sensitive fields stays plaintext (and readable in SQL).
    note = led.enqueue("dingtalk", "work_notification", "n:1", {"text": "面试邀请"}, "v1")
    assert stored_column(
        led, "ledger_outbox", "payload", "idempotency_key", note.idempotency_key
    ) == {"text": "面试邀请"}


def test_a_failed_sensitive_write_leaves_a_sealed_dead_letter_that_replays(led: Ledger) -> None:
    body = {"certNo": ID_NUMBER}
    item = led.enqueue("yonyou", "bip_pre_hire", "hrhub:pre_hire:2", body, "v1")
    led.fail(item.idempotency_key, "refused: duplicate person", retriable=False, field="certNo")
    (letter,) = led.dead_letters()
    assert letter.payload == body and letter.field == "certNo"
    assert sealed(stored_column(led, "ledger_dead_letter", "payload", "id", str(letter.id)))
    assert ID_NUMBER not in stored_text(led)
    requeued = led.requeue(item.idempotency_key)
    assert requeued.payload == body
    assert led.claim("yonyou", 1)[0].payload == body


def test_a_dead_letter_of_a_sensitive_entity_is_sealed_whole(led: Ledger) -> None:
    raw = {"pk_applicant": "0042", "id": ID_NUMBER, "tags": [1, 2]}
    letter = led.dead_letter("yonyou", "candidate", "yonyou:candidate:0042", "bad mobile", raw)
    assert letter.payload == raw
    assert sealed(stored_column(led, "ledger_dead_letter", "payload", "id", str(letter.id)))
    assert led.dead_letters()[0].payload == raw
    # A letter about a record without sensitive fields stays plaintext, even one whose bad
    # input looks like a sealed value: it is not taken for one.
    forged = {SEALED: "not-a-token"}
    led.dead_letter("successfactors", "job", "successfactors:job:9", "bad", forged)
    assert led.dead_letters()[1].payload == forged


def test_a_review_keeps_its_result_and_writes_sealed_through_the_decision(led: Ledger) -> None:
    held = result(human_review=True)
    write = {
        "target_system": "successfactors",
        "operation": "interview_assessment",
        "canonical_id": held.canonical_id,
        "payload": {"interviewSource": held.interview_id, "features": VOICE},
        "mapping_version": "v1",
    }
    hold = ReviewHold(
        result_id=held.canonical_id,
        candidate_id=held.candidate_id,
        proposed_decision="pass",
        reasons=list(held.review_reasons),
        result=held.model_dump(mode="json"),
        writes=[write],
    )
    _, created = led.hold_review(hold)
    assert created and hold.result == held.model_dump(mode="json")
    stored = stored_column(led, "ledger_review", "result", "result_id", held.canonical_id)
    assert sealed(stored["competency_scores"][1]["features"])
    assert stored["application_id"] == held.application_id  # the web's scope reads it in SQL
    final = {**held.model_dump(mode="json"), "decision": "pass"}
    decided, items = led.settle_review(
        held.canonical_id,
        status=ReviewStatus.APPROVED,
        by="boss",
        reason="checked",
        writes=[write],
        final_result=final,
        audit_data={"result_id": held.canonical_id},
    )
    assert decided.final_result == final and items[0].payload == write["payload"]
    assert all(secret not in stored_text(led) for secret in SECRETS)
    back = led.review_hold(held.canonical_id)
    assert back is not None and back.final_result == final and back.writes == [write]
    assert [i.payload for i in led.outbox_items("successfactors", "interview_assessment")] == [
        write["payload"]
    ]


# --------------------------------------------------------------------------- keys


def test_a_rotated_key_reads_old_rows_and_seals_new_ones(ledger_url: str) -> None:
    old, new = Ledger(ledger_url, sealer=Sealer([KEY])), None
    try:
        old.create_all()
        old.stage([StageInput.of(candidate(remote="1"))], batch_id="b1")
        new = Ledger(ledger_url, sealer=Sealer([OTHER_KEY, KEY]))
        (first,) = new.get_records(["yonyou:candidate:1"])
        assert first.payload["id_number"] == ID_NUMBER
        new.stage([StageInput.of(candidate("440305199912120011", remote="2"))], batch_id="b2")
        stored = stored_column(new, "ledger_staged_record", "payload", "remote_id", "2")
        token = stored["id_number"][SEALED].encode()
        assert json.loads(Fernet(OTHER_KEY.encode()).decrypt(token)) == "440305199912120011"
        with pytest.raises(LedgerKeyError):
            old.get_records(["yonyou:candidate:2"])  # the old key alone cannot open it
    finally:
        old.close()
        if new is not None:
            new.close()


def test_a_wrong_key_names_the_record_and_the_field(led: Ledger, ledger_url: str) -> None:
    res = result()
    led.stage([StageInput.of(candidate()), StageInput.of(res)], batch_id="b1")
    wrong = Ledger(ledger_url, sealer=Sealer([OTHER_KEY]))
    try:
        with pytest.raises(LedgerKeyError) as info:
            wrong.get_records(["yonyou:candidate:0042"])
        error = info.value
        assert (error.entity, error.record_id, error.field) == (
            "candidate",
            "yonyou:candidate:0042",
            "id_number",
        )
        assert "yonyou:candidate:0042" in str(error) and "'id_number'" in str(error)
        assert KEY_ENV in str(error)
        with pytest.raises(LedgerKeyError, match=r"competency_scores\[0\]\.features"):
            list(wrong.iter_staged("interview_result"))
        with pytest.raises(LedgerKeyError, match="yonyou:candidate:0042"):
            wrong.staged_fields("candidate", ["id_number"])
    finally:
        wrong.close()


def test_rows_stored_before_sealing_read_as_they_are(led: Ledger) -> None:
    plain = candidate().model_dump(mode="json")
    with led.engine.begin() as conn:  # plain SQL, past the events that seal
        conn.execute(
            insert(StagedRecord.__table__),  # type: ignore[attr-defined]
            {
                "canonical_id": plain["canonical_id"],
                "entity": "candidate",
                "source_system": "yonyou",
                "remote_id": "0042",
                "modified_at": T0,
                "payload": plain,
                "payload_hash": content_hash(plain),
                "stage": "extracted",
                "batch_id": "old",
                "updated_at": T0,
            },
        )
        conn.execute(
            insert(OutboxItem.__table__),  # type: ignore[attr-defined]
            {
                "idempotency_key": "k" * 64,
                "target_system": "yonyou",
                "entity": "nc_pre_hire",
                "canonical_id": "hrhub:pre_hire:1",
                "payload": {"id": ID_NUMBER},
                "payload_hash": payload_hash({"id": ID_NUMBER}),
                "mapping_version": "v1",
                "status": "pending",
                "attempts": 0,
                "created_at": T0,
                "updated_at": T0,
            },
        )
        conn.execute(
            insert(DeadLetter.__table__),  # type: ignore[attr-defined]
            {
                "system": "yonyou",
                "entity": "candidate",
                "record_id": plain["canonical_id"],
                "reason": "old",
                "payload": {"id": ID_NUMBER},
                "created_at": T0,
                "replay_count": 0,
            },
        )
    assert led.get_records([plain["canonical_id"]])[0].payload == plain
    assert led.staged_fields("candidate", ["name", "id_number"]) == [("张伟", ID_NUMBER)]
    assert led.claim("yonyou", 5)[0].payload == {"id": ID_NUMBER}
    assert led.dead_letters()[0].payload == {"id": ID_NUMBER}


def test_the_key_file_is_made_once_with_mode_0600_and_reused(
    fresh_keys: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert not fresh_keys.exists()
    lazy = default_sealer()
    assert not fresh_keys.exists()  # nothing is made before a key is needed
    with caplog.at_level("WARNING", logger="hrhub.ledger.sealing"):
        token = lazy.seal_value(ID_NUMBER)
        again = default_sealer().seal_value(EMPLOYEE_ID)
    assert stat.S_IMODE(fresh_keys.stat().st_mode) == 0o600
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1  # once per process
    assert str(fresh_keys) in warnings[0] and KEY_ENV in warnings[0]
    key = fresh_keys.read_text().strip()
    assert json.loads(Fernet(key.encode()).decrypt(token[SEALED].encode())) == ID_NUMBER
    # A new process (caches cleared) reads the same file rather than making another key.
    sealing._environment_keyring.cache_clear()
    sealing._default_sealer.cache_clear()
    assert default_sealer().unseal_value(again) == EMPLOYEE_ID
    assert fresh_keys.read_text().strip() == key


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / ".hrhub" / "ledger.key"
    start = threading.Barrier(8)
    found: list[tuple[str, bool]] = []

    def worker() -> None:
        start.wait()
        found.append(sealing._read_or_create(path))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({text for text, _ in found}) == 1
    assert sum(made for _, made in found) == 1
    assert os.listdir(path.parent) == ["ledger.key"]  # no draft left behind


def test_the_environment_key_comes_first_and_a_bad_one_is_named(
    fresh_keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, f"{OTHER_KEY}, {KEY}")
    sealing._default_sealer.cache_clear()
    old_token = Sealer([KEY]).seal_value(ID_NUMBER)
    env_sealer = default_sealer()
    assert env_sealer.unseal_value(old_token) == ID_NUMBER  # every listed key opens
    new_token = env_sealer.seal_value(EMPLOYEE_ID)
    assert json.loads(Fernet(OTHER_KEY.encode()).decrypt(new_token[SEALED].encode())) == (
        EMPLOYEE_ID  # the first one seals
    )
    assert not fresh_keys.exists()  # no key file when the environment names the keys
    monkeypatch.setenv(KEY_ENV, f"{KEY},not-a-key")
    with pytest.raises(LedgerKeyError, match=f"{KEY_ENV}: key 2 is not a Fernet key"):
        default_sealer().seal_value("x")


# --------------------------------------------------------------------------- what stays open


def test_what_is_not_sensitive_stays_queryable(led: Ledger) -> None:
    cand, emp = candidate(), employee()
    application = Application(
        source_system="yonyou",
        remote_id="a-0042",
        modified_at=T0,
        candidate_id=cand.canonical_id,
        job_id="yonyou:job:j-1",
    )
    led.stage([StageInput.of(r) for r in (cand, emp, application)], batch_id="b1")
    stored = stored_column(
        led, "ledger_staged_record", "payload", "canonical_id", cand.canonical_id
    )
    assert stored["name"] == "张伟" and stored["phones"] == ["+8613800000042"]
    assert led.staged_fields("candidate", ["name"], where={"name": "张伟"}) == [("张伟",)]
    assert led.staged_fields(
        "application", ["candidate_id"], where={"job_id": "yonyou:job:j-1"}
    ) == [(cand.canonical_id,)]
    with Session(led.engine) as session:  # the web's names by id, in SQL
        assert payload_values(session, "name", [cand.canonical_id]) == {cand.canonical_id: "张伟"}
    # The hire step's lookup of employee codes by id number: unsealed here, not matched in SQL.
    rows = led.staged_fields(
        "employee", ["id_number", "employee_code"], where={"source_system": "yonyou"}
    )
    assert rows == [(EMPLOYEE_ID, "E100007")]
    with pytest.raises(ValueError, match="'id_number' is sealed at rest"):
        led.staged_fields("employee", ["employee_code"], where={"id_number": EMPLOYEE_ID})


def test_the_web_still_masks_the_id_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)  # the app opens its own ledger: the same key
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = Ledger.open(url)
    try:
        cand = candidate()
        ledger.stage([StageInput.of(cand)], batch_id="b1")
        assert ID_NUMBER not in stored_text(ledger)
        app = create_app(
            WebSettings(
                roles=RoleDirectory.parse("hr:hr_admin,aud:auditor"),
                authenticate=_token_is_login,
                secret="s",
                ledger_url=url,
            )
        )
        client = TestClient(app)
        client.cookies.set("_token", "aud")
        masked = client.get(f"/candidates/{cand.canonical_id}?lang=en")
        assert masked.status_code == 200
        assert mask_text(ID_NUMBER) in masked.text and ID_NUMBER not in masked.text
        client.cookies.set("_token", "hr")
        whole = client.get(f"/candidates/{cand.canonical_id}?lang=en")
        assert whole.status_code == 200 and ID_NUMBER in whole.text
    finally:
        ledger.close()


async def _token_is_login(token: str, method: str) -> str:
    return token
