"""Issue 12, Security: "No secret and no personal data in logs, XCom, task output or error
messages: seeded markers in the test data are searched for in everything the run leaves behind."

First the search itself (`hrhub.reliability.leaks.scan`) is proven able to find a leak in every
form and place it claims (files, gzip and zip members, database rows and deleted rows, captured
output; raw, URL-encoded, JSON-escaped, base64, JWT) and to say nothing of a clean tree, so
that its zero on a real run means something. Then the seeding: the simulators plant the
markers. Last, one real run through Airflow with the markers planted must leave no marker
anywhere, while the markers demonstrably went through it.
"""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from connectors.dingtalk.simulator import DingTalkSimulator
from connectors.successfactors.simulator import SuccessFactorsSimulator
from connectors.yonyou.simulator import YonyouSimulator
from hrhub.reliability.leaks import (
    LEDGER_MESSAGE_COLUMNS,
    DatabaseTarget,
    Marker,
    Markers,
    Scanner,
    base64_forms,
    issued_tokens,
    run_leak_check,
    scan,
    with_marker_credentials,
)

MARKERS = Markers.create()
SECRET = MARKERS.dingtalk_secret
NAME = MARKERS.zh_given  # Chinese: JSON escapes it as \uXXXX


def _values(markers: Markers) -> list[str]:
    return [m.value for m in markers.all()]


def _assert_masked(report_text: str) -> None:
    for value in _values(MARKERS):
        assert value not in report_text


# == the markers =================================================================================


def test_markers_are_distinct_and_none_hides_inside_another() -> None:
    values = _values(MARKERS)
    assert len(set(values)) == len(values)
    for a in values:
        for b in values:
            assert a == b or a not in b, (a, b)
    kinds = {m.kind for m in MARKERS.all()}
    assert kinds == {"secret", "personal"}
    assert any(not m.value.isascii() for m in MARKERS.all() if m.kind == "personal")


def test_marker_tag_must_be_plain() -> None:
    with pytest.raises(ValueError, match="letters and digits"):
        Markers.create("7q3k;drop")


def test_successfactors_plants_marker_candidates_with_applications_and_resumes() -> None:
    options = MARKERS.simulator_options()["successfactors"]
    as_of = datetime(2026, 3, 2, tzinfo=UTC)
    sim = SuccessFactorsSimulator(
        candidates=3, extra_candidates=options["extra_candidates"], as_of=as_of
    )
    candidates = {row["firstName"]: row for row in sim.rows("Candidate")}
    zh = candidates[MARKERS.zh_given]
    assert zh["candidateId"] == 100_004  # after the generated ones
    assert zh["primaryEmail"] == MARKERS.zh_email and zh["cellPhone"] == MARKERS.zh_phone
    assert candidates[MARKERS.bad_given]["primaryEmail"] == MARKERS.bad_email  # as given
    applications = [a for a in sim.rows("JobApplication") if a["candidateId"] == 100_004]
    assert applications and applications[0]["firstName"] == MARKERS.zh_given
    resume = sim.resume_text(applications[0]["applicationId"])
    assert f"{MARKERS.zh_family}{MARKERS.zh_given}" in resume
    assert MARKERS.resume_note in resume
    # The generated candidates are the same with or without planted ones.
    plain = SuccessFactorsSimulator(candidates=3, as_of=as_of)
    assert plain.rows("Candidate") == sim.rows("Candidate")[:3]


def test_successfactors_refuses_an_unknown_candidate_field() -> None:
    with pytest.raises(ValueError, match=r"extra_candidates\[0\]: Candidate has no nickname"):
        SuccessFactorsSimulator(candidates=1, extra_candidates=[{"nickname": "x"}])


def test_yonyou_plants_marker_applicants() -> None:
    options = MARKERS.simulator_options()["yonyou"]
    sim = YonyouSimulator(applicants=5, extra_applicants=options["extra_applicants"])
    applicants = {a["name"]: a for a in sim.rows("applicants")}
    assert len(applicants) == 7
    planted = applicants[MARKERS.applicant_name]
    assert planted["id_number"] == MARKERS.applicant_id_number
    assert planted["mobile"] == MARKERS.applicant_mobile
    assert applicants[MARKERS.bad_applicant_name]["mobile"] == MARKERS.bad_applicant_mobile
    assert sim.count_stream("nc_applicants") == 7
    with pytest.raises(ValueError, match="Applicant has no nickname"):
        YonyouSimulator(applicants=1, extra_applicants=[{"nickname": "x"}])


def test_dingtalk_takes_a_marker_app_secret_and_marker_people() -> None:
    options = MARKERS.simulator_options()["dingtalk"]
    sim = DingTalkSimulator(users=5, **options)
    assert sim._issue_token(sim.APP_KEY, SECRET) is not None
    assert sim._issue_token(sim.APP_KEY, DingTalkSimulator.APP_SECRET) is None
    planted = sim.users[-1]
    assert len(sim.users) == 6 and planted["name"] == f"{MARKERS.zh_family}{MARKERS.zh_given}"
    assert sim.user_by_mobile("19947130582")["userid"] == planted["userid"]
    assert planted["status"] != "departed" and planted["attendance"] is False
    with pytest.raises(ValueError, match=r"extra_users\[0\]: a user has no nickname"):
        DingTalkSimulator(users=5, extra_users=[{"nickname": "x"}])


def test_marker_credentials_replace_the_sandbox_ones_in_a_connection_uri() -> None:
    uri = "hrhub-dingtalk://dingsandboxhrhub:old%2Bsecret@127.0.0.1:4100/?scheme=http&robot_token=t"
    new = with_marker_credentials(uri, MARKERS.connection_secrets()["dingtalk"])
    parts = urlsplit(new)
    assert (parts.username, parts.hostname, parts.port) == ("dingsandboxhrhub", "127.0.0.1", 4100)
    assert parts.password == quote(SECRET, safe="")
    extra = dict(parse_qsl(parts.query))
    assert extra == {
        "scheme": "http",
        "robot_token": MARKERS.robot_token,
        "robot_secret": MARKERS.robot_secret,
    }


# == the search ==================================================================================


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_clean_tree_gives_no_findings_but_counts_what_it_read(tmp_path: Path) -> None:
    _write(tmp_path / "logs" / "task.log", "extract: read 40, inserted 40\n" * 50)
    (tmp_path / "logs" / "old.log.gz").write_bytes(gzip.compress(b"screen: 12 shortlisted\n"))
    report = scan(MARKERS, paths=[tmp_path], texts={"stdout": "Done. Returned value was: 3\n"})
    assert report.clean and report.findings == []
    assert report.bytes_scanned > 1500
    assert any(p.endswith("task.log") for p in report.places)
    assert "output: stdout" in report.places


@pytest.mark.parametrize(
    ("leaked", "form"),
    [
        (f"POST /gettoken?appsecret={SECRET}", "raw"),
        (f"next=%2Fcb%3Fsecret%3D{quote(SECRET, safe='')}", "raw"),
        (f"email={quote(MARKERS.zh_email, safe='')}", "raw"),
        (f"name={quote(NAME, safe='')}", "url-encoded"),
        (json.dumps({"name": NAME}), "json-escaped"),
        (json.dumps({"name": NAME}).upper(), "json-escaped"),  # \U9F98 is the same escape
        (repr(NAME.encode("utf-8")), "bytes-escaped"),
        (f"<td>{''.join(f'&#{ord(c)};' for c in NAME)}</td>", "html-escaped"),
    ],
)
def test_finds_a_marker_in_each_form_a_leak_takes(leaked: str, form: str) -> None:
    findings = Scanner(MARKERS.all()).text_findings(f"line one\n{leaked} trailing\n", "out")
    assert [(f.form, f.where) for f in findings] == [(form, "out:2")]


@pytest.mark.parametrize("prefix", ["", "x", "xy"])
@pytest.mark.parametrize("urlsafe", [False, True])
def test_finds_a_secret_inside_base64_at_any_alignment(prefix: str, urlsafe: bool) -> None:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    # e.g. an Authorization: Basic header, the password after `user@company:`
    blob = encode(f"{prefix}sfapi@HRHUBDEV:{MARKERS.sf_password}".encode()).decode()
    findings = Scanner(MARKERS.all()).text_findings(f"Authorization: Basic {blob}", "h")
    assert [(f.label, f.form) for f in findings] == [("successfactors password", "base64")]
    assert all(piece not in blob for piece in base64_forms("not the password at all"))


def test_reports_a_jwt_whoever_issued_it() -> None:
    head = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"HS256"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(b'{"user_id":1,"exp":1}').decode().rstrip("=")
    token = f"{head}.{body}.{'s' * 43}"
    findings = Scanner(()).text_findings(f"Authorization: JWT {token}", "log")
    assert [(f.kind, f.form) for f in findings] == [("secret", "jwt")]
    assert token not in findings[0].excerpt


def test_files_gzip_and_zip_members_are_searched_with_their_lines(tmp_path: Path) -> None:
    _write(tmp_path / "airflow" / "logs" / "t.log", f"ok\nok\nretry: appsecret={SECRET}\n")
    (tmp_path / "old.log.gz").write_bytes(gzip.compress(f"a\n{NAME}\n".encode()))
    with zipfile.ZipFile(tmp_path / "export.xlsx", "w") as archive:
        archive.writestr("xl/sharedStrings.xml", f"<t>{MARKERS.applicant_id_number}</t>")
    report = scan(MARKERS, paths=[tmp_path])
    where = sorted((f.label, f.where) for f in report.findings)
    assert where == [
        ("applicant id number", f"{tmp_path / 'export.xlsx'}!xl/sharedStrings.xml:1"),
        ("dingtalk app secret", f"{tmp_path / 'airflow' / 'logs' / 't.log'}:3"),
        ("zh candidate given name", f"{tmp_path / 'old.log.gz'} (gunzipped):2"),
    ]


def test_the_excerpt_masks_every_marker_in_it() -> None:
    text = (
        f"failed for {MARKERS.en_given} {MARKERS.en_family} <{MARKERS.en_email}> "
        f"using {SECRET[:5]}... and {NAME}{SECRET}"
    )
    findings = Scanner(MARKERS.all()).text_findings(text, "err")
    assert {f.label for f in findings} >= {
        "en candidate given name",
        "en candidate family name",
        "en candidate email",
        "dingtalk app secret",
        "zh candidate given name",
    }
    for finding in findings:
        _assert_masked(finding.excerpt)
        assert "[personal marker: " in finding.excerpt or "[secret marker: " in finding.excerpt
    _assert_masked(json.dumps(scan(MARKERS, texts={"err": text}).as_dict(), ensure_ascii=False))


def _db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA secure_delete = OFF")  # SQLite's default: deleted bytes stay
    conn.execute("CREATE TABLE xcom (id INTEGER PRIMARY KEY, key TEXT, value TEXT)")
    conn.execute(
        "CREATE TABLE ledger_dead_letter (id INTEGER PRIMARY KEY, reason TEXT, payload TEXT)"
    )
    return conn


def test_database_rows_are_searched_and_named_by_table_column_and_row(tmp_path: Path) -> None:
    conn = _db(tmp_path / "airflow.db")
    conn.execute("INSERT INTO xcom VALUES (1, 'return_value', '{\"read\": 40}')")
    conn.execute("INSERT INTO xcom VALUES (7, 'return_value', ?)", (json.dumps({"n": NAME}),))
    conn.commit()
    conn.close()
    report = scan(MARKERS, paths=[tmp_path])
    assert [(f.label, f.form, f.where) for f in report.findings] == [
        (
            "zh candidate given name",
            "json-escaped",
            f"{tmp_path / 'airflow.db'} xcom.value row 7",
        )
    ]


def test_deleted_rows_left_in_a_database_file_are_found(tmp_path: Path) -> None:
    conn = _db(tmp_path / "airflow.db")
    conn.execute("INSERT INTO xcom VALUES (1, 'k', ?)", (f"token {MARKERS.room_api_key}",))
    conn.commit()
    conn.execute("DELETE FROM xcom")
    conn.commit()
    conn.close()
    report = scan(MARKERS, paths=[tmp_path])
    assert [f.label for f in report.findings] == ["interview room api key"]
    assert "raw bytes" in report.findings[0].where


def test_the_ledger_is_searched_in_its_message_columns_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    conn = _db(path)
    # A payload holds personal data by design; a reason must not.
    conn.execute(
        "INSERT INTO ledger_dead_letter VALUES (3, ?, ?)",
        (f"record x field 'phones.0': bad {MARKERS.applicant_mobile}", json.dumps({"n": NAME})),
    )
    conn.commit()
    conn.close()
    target = DatabaseTarget(f"sqlite:///{path}", "ledger", LEDGER_MESSAGE_COLUMNS)
    report = scan(MARKERS, paths=[tmp_path], databases=[target], skip=[path])
    assert [(f.label, f.where) for f in report.findings] == [
        ("applicant mobile", "ledger ledger_dead_letter.reason row 3")
    ]
    assert not any(str(path) in p for p in report.places if p.startswith("file:"))
    # A message column the ledger lacks (renamed?) is said, not silently skipped.
    assert report.notes == ["ledger: ledger_dead_letter has no record_id, field, error_class"]


def test_captured_output_is_searched_by_line() -> None:
    out = "[info] extract ok\n[warning] retrying: GET /x?access_token=*** ok\n"
    leaked = out + f"[error] push failed for {MARKERS.en_email}\n"
    report = scan(MARKERS, texts={"dags test (stdout)": out, "dags test (stderr)": leaked})
    assert [(f.label, f.where) for f in report.findings] == [
        ("en candidate email", "dags test (stderr):3")
    ]


def test_issued_tokens_are_harvested_from_the_simulators() -> None:
    token, link = "a" * 32, "eyJ" + "b" * 40
    systems = [
        SimpleNamespace(system="dingtalk", server=SimpleNamespace(_tokens={token: 1})),
        SimpleNamespace(
            system="interview_room", server=SimpleNamespace(orders={"o": {"link_token": link}})
        ),
        SimpleNamespace(system="attendance", server=SimpleNamespace(_static_tokens={"short": 1})),
    ]
    found = issued_tokens(systems)
    assert found == [
        Marker("secret", "dingtalk access token", token),
        Marker("secret", "interview link token", link),
    ]
    report = scan(MARKERS.with_extra(found), texts={"log": f"GET /x?access_token={token}"})
    assert [f.label for f in report.findings] == ["dingtalk access token"]


# == a real run ==================================================================================


@pytest.mark.airflow
def test_a_seeded_run_leaves_no_secret_and_no_personal_data(tmp_path: Path) -> None:
    # Light faults: retries and token refreshes send the run through its error messages too.
    result = run_leak_check(
        out_dir=tmp_path / "leaks", candidates=40, faults="error_rate=0.05,token_expiry=2"
    )
    scanned = result.scan
    assert scanned.clean, json.dumps(scanned.as_dict(limit=20), ensure_ascii=False, indent=1)

    # The zero means something: the search read the run's outputs, XCom, and the ledger's
    # messages...
    assert result.outputs["airflow dags test candidate_flow (stdout)"].count("\n") > 100
    assert any(" xcom (" in p for p in scanned.places)
    assert any(p.startswith("database: ledger ledger_dead_letter") for p in scanned.places)
    assert scanned.bytes_scanned > 200_000
    # ... the markers went through the flow: staged, sent to the room, spoken, dead-lettered...
    evidence = result.evidence
    assert {MARKERS.zh_given, MARKERS.en_given, MARKERS.applicant_name} <= set(evidence["staged"])
    assert evidence["room_orders"], "no marker candidate reached the interview room"
    assert evidence["dingtalk_notices"] > 0, "the internal marker candidate got no notice"
    assert evidence["transcripts_with_marker"] > 0
    assert f"{MARKERS.bad_applicant_name}: field phones.0" in evidence["dead_letters"]
    assert any(d.startswith(MARKERS.bad_given) for d in evidence["dead_letters"])
    assert evidence["issued_tokens"] > 0
    # ... and where they are kept by design (the ledger's payloads), the same search finds them.
    ledger = tmp_path / "leaks" / "ledger.db"
    kept = scan(MARKERS, databases=[DatabaseTarget(f"sqlite:///{ledger}", "ledger")])
    found = {f.label for f in kept.findings}
    assert {"zh candidate given name", "zh candidate email", "interview transcript"} <= found
