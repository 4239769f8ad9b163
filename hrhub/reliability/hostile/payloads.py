"""Each system's source payloads, damaged on the wire, through extract and mapping into the ledger.

Every registered system's simulator runs on loopback with a little data; each client is built
from the sandbox connection with the arguments its hook would give it. A tap on the
client's session damages one answer on its way back, as a broken proxy or a misbehaving tenant
would, and `extract_stream` reads the stream into a fresh ledger:

- a damaged record (a field of the wrong type, a date out of range, an injection string where
  a field has a shape, a key missing, an entry that is not an object) must land in dead letters
  with a reason naming the record and the field, while every other record of the stream lands
  (compared with a clean read of the same stream);
- a damaged page (cut off, not JSON, the wrong encoding, nested past any parser, an HTML error
  page with status 200, a hostile next link) must stop the read with a clear error naming the
  system, the watermark must not move, and a clean read afterwards lands everything.

Yonyou is read through YonBIP (JSON); NC's SOAP answers are fuzzed in tests/fuzz.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from connectors._core.errors import ConnectorError
from connectors._core.pagination import get_path
from connectors._core.registry import get_connector
from hrhub.flow.extract import extract_stream
from hrhub.ledger import Ledger
from hrhub.mapping import load_mapping
from hrhub.models import model_for
from hrhub.reliability.hostile.corpus import (
    HostileInput,
    Verdict,
    accepted,
    names_in,
    quarantined,
    refused,
)
from hrhub.reliability.hostile.values import BAD_DATES, INJECTIONS, deep_json, encoded
from hrhub.sandbox import start_sandbox, stop_sandbox

__all__ = ["ENTRY_POINT", "STREAMS", "cases", "world"]

ENTRY_POINT = "payloads"

# Small tenants: every case reads a whole stream, twice for a page-level case.
SIM_OPTIONS: dict[str, dict[str, Any]] = {
    "successfactors": {"candidates": 6, "requisitions": 2},
    "yonyou": {"persons": 4, "applicants": 4},
    "dingtalk": {"users": 4},
    "attendance": {"employees": 2, "days": 2},
    "interview_room": {"seeded": 4},
}


# Two SuccessFactors pages a stream, so next links are followed.
CONNECTION_EXTRAS: dict[str, dict[str, Any]] = {"successfactors": {"page_size": 4}}


@dataclass(frozen=True)
class Stream:
    """A stream the corpus damages: which answer carries its records, and where in it."""

    system: str
    stream: str
    flavor: str | None
    path_end: str  # the damaged call's URL path ends with this
    records_at: str | None  # dotted path of the record list; None: the answer is one record
    key: str  # a field that keys the record (the missing-key case drops it)


STREAMS: dict[str, Stream] = {
    s.stream: s
    for s in (
        Stream(
            "successfactors", "Candidate", None, "/odata/v2/Candidate", "d.results", "candidateId"
        ),
        Stream(
            "successfactors",
            "JobApplication",
            None,
            "/odata/v2/JobApplication",
            "d.results",
            "applicationId",
        ),
        Stream(
            "successfactors",
            "JobRequisition",
            None,
            "/odata/v2/JobRequisition",
            "d.results",
            "jobReqId",
        ),
        Stream("yonyou", "bip_staff", "bip", "/staff/listmdd", "data.recordList", "id"),
        Stream("dingtalk", "punches", None, "/attendance/listRecord", "recordresult", "id"),
        Stream(
            "attendance", "transactions", None, "/iclock/api/transactions/", "data", "punch_time"
        ),
        Stream("interview_room", "interview_analyses", None, "/analysis", None, "session_id"),
    )
}


# --------------------------------------------------------------------------- the wire tap


class Raw(str):
    """A JSON token written into the answer as is (NaN, 1e400, ...): JSON can't say it."""


@dataclass
class Tap:
    """Wraps one client's session: `damage(path, body) -> new body | None` sees each answer
    that succeeded; None leaves it as it was."""

    session: Any
    damage: Callable[[str, bytes], bytes | None] | None = None

    def __post_init__(self) -> None:
        real = self.session.request

        def request(method: str, url: str, **kwargs: Any) -> Any:
            response = real(method, url, **kwargs)
            if self.damage is not None and response.ok:
                changed = self.damage(urlsplit(response.url).path, response.content)
                if changed is not None:
                    response._content = changed
            return response

        self.session.request = request


@dataclass
class RecordDamage:
    """Damage the first record of the first answer of `stream`; keeps what it saw."""

    stream: Stream
    mutate: Callable[[dict[str, Any]], Any]
    victim: dict[str, Any] | None = None
    page: list[Any] = field(default_factory=list)

    def __call__(self, path: str, body: bytes) -> bytes | None:
        if self.victim is not None or not path.endswith(self.stream.path_end):
            return None
        data = json.loads(body)
        if self.stream.records_at is None:
            self.victim, self.page = data, [data]
            return _dump(self.mutate(copy.deepcopy(data)))
        records = get_path(data, self.stream.records_at)
        if not records:
            return None
        self.victim, self.page = records[0], list(records)
        records[0] = self.mutate(copy.deepcopy(records[0]))
        return _dump(data)


@dataclass
class PageDamage:
    """Replace the first answer whose path ends with `path_end` by `change(body)`."""

    path_end: str
    change: Callable[[bytes], bytes]
    done: bool = False

    def __call__(self, path: str, body: bytes) -> bytes | None:
        if self.done or not path.endswith(self.path_end):
            return None
        self.done = True
        return self.change(body)


def _dump(data: Any) -> bytes:
    """JSON text with each `Raw` value spliced in as its own token."""
    raws: list[str] = []

    def mark(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(str(value))
            return f"\ue000{len(raws) - 1}\ue000"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(data), ensure_ascii=False)
    for index, raw in enumerate(raws):
        text = text.replace(f'"\ue000{index}\ue000"', raw)
    return text.encode("utf-8")


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    folder: Path
    clients: dict[str, Any]  # by stream
    taps: dict[str, Tap]  # by stream
    baseline: dict[str, set[str]] = field(default_factory=dict)  # stream -> canonical ids
    _ledgers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fresh_ledger(self) -> Ledger:
        return Ledger.open(f"sqlite:///{self.folder / f'ledger-{next(self._ledgers)}.db'}")

    def extract(self, stream: Stream, ledger: Ledger) -> Any:
        return extract_stream(
            stream.system, stream.stream, client=self.clients[stream.stream], ledger=ledger
        )


def _connection(uri: str, extra: dict[str, Any]) -> SimpleNamespace:
    """What a hook reads of an Airflow Connection, from the sandbox's connection URI."""
    parts = urlsplit(uri)
    return SimpleNamespace(
        host=parts.hostname,
        port=parts.port,
        login=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        extra_dejson={**dict(parse_qsl(parts.query)), **extra},
    )


def _client(system: str, conn: SimpleNamespace) -> Any:
    """The system's client (from the registry) for a sandbox connection, with the arguments
    its hook's `client_from_connection` takes from such a connection. Not through the hook:
    the hooks import Airflow, seconds the corpus has no use for."""
    extra = conn.extra_dejson
    user, secret = conn.login, conn.password
    arguments: dict[str, dict[str, Any]] = {
        "successfactors": {
            "company_id": extra.get("company_id"),
            "username": user,
            "password": secret,
            "auth": extra.get("auth", "basic"),
            "page_size": int(extra.get("page_size", 1000)),
        },
        "yonyou": {
            "flavor": extra.get("flavor") or "nc",
            "username": user,
            "password": secret,
            "wsdl": extra.get("wsdl") or None,
        },
        "dingtalk": {
            "app_key": user,
            "app_secret": secret,
            "agent_id": int(extra["agent_id"]) if extra.get("agent_id") else None,
            "api_url": extra.get("api_url") or None,
            "robot_token": extra.get("robot_token") or None,
            "robot_secret": extra.get("robot_secret") or None,
        },
        "attendance": {
            "username": user,
            "password": secret,
            "auth_scheme": extra.get("auth_scheme", "jwt"),
        },
        "interview_room": {
            "workspace": user,
            "api_key": secret,
            "link_secret": extra.get("link_secret") or None,
        },
    }
    base_url = f"{extra.get('scheme', 'http')}://{conn.host}:{conn.port}"
    return get_connector(system).client_class()(base_url, **arguments[system])


def _staged(ledger: Ledger, stream: Stream) -> set[str]:
    entity = get_connector(stream.system).stream(stream.stream).entity
    return {r.canonical_id for r in ledger.iter_staged(entity, source_system=stream.system)}


@contextmanager
def world(folder: Path) -> Iterator[World]:
    """Every system's simulator, a client per stream built by its hook, and a clean read of
    each stream (the baseline a damaged read is compared with)."""
    systems = start_sandbox(None, "", SIM_OPTIONS)
    try:
        by_system = {s.system: s for s in systems}
        clients: dict[str, Any] = {}
        taps: dict[str, Tap] = {}
        for stream in STREAMS.values():
            extra = {"flavor": stream.flavor} if stream.flavor else {}
            extra.update(CONNECTION_EXTRAS.get(stream.system, {}))
            client = _client(stream.system, _connection(by_system[stream.system].conn_uri, extra))
            clients[stream.stream] = client
            inner = getattr(client, "inner", client)
            # The budget keeps a real tenant's capacity; these simulators are the corpus's own.
            inner.rate_budget = None
            taps[stream.stream] = Tap(inner.session)
        built = World(folder, clients, taps)
        for stream in STREAMS.values():
            ledger = built.fresh_ledger()
            try:
                built.extract(stream, ledger)
                built.baseline[stream.stream] = _staged(ledger, stream)
            finally:
                ledger.close()
        yield built
    finally:
        stop_sandbox(systems)


# --------------------------------------------------------------------------- feeding


def _victim_id(stream: Stream, raw: dict[str, Any]) -> str:
    """The canonical id the undamaged victim lands on."""
    spec = get_connector(stream.system).stream(stream.stream)
    mapping = load_mapping(stream.system, spec.entity, "in", name=spec.mapping_name)
    remote = mapping.apply(raw, record_id=str(raw.get(stream.key)))["remote_id"]
    return model_for(spec.entity).make_canonical_id(stream.system, str(remote))


def _names_of(stream: Stream, raw: dict[str, Any], victim: str) -> tuple[str, ...]:
    """How a reason may name the victim: the canonical id it lands on, or the row's own key
    (a system keeps personal keys such as an employee number out of messages)."""
    key = get_connector(stream.system).stream(stream.stream).primary_key
    row = str(raw.get(key))
    spec = get_connector(stream.system).stream(stream.stream)
    return (victim, model_for(spec.entity).make_canonical_id(stream.system, row))


def feed_record(
    stream: Stream, mutate: Callable[[dict[str, Any]], Any], fields: tuple[str, ...], keyed: bool
) -> Callable[[World], Verdict]:
    """A record-level case: quarantined naming the record (`keyed`: by its key; otherwise the
    key is what is damaged) and one of `fields`, the rest of the stream staged."""

    def feed(world: World) -> Verdict:
        damage = RecordDamage(stream, mutate)
        tap = world.taps[stream.stream]
        ledger = world.fresh_ledger()
        tap.damage = damage
        try:
            try:
                world.extract(stream, ledger)
            except ConnectorError as exc:
                # The whole read stopped for one record: clear, but it blocks the others.
                return refused(str(exc), neighbours_ok=False)
            if damage.victim is None:
                raise RuntimeError(f"{stream.stream}: no answer to damage was read")
            victim = _victim_id(stream, damage.victim)
            staged = _staged(ledger, stream)
            neighbours = world.baseline[stream.stream] - {victim} <= staged
            letters = ledger.dead_letters()
            if not letters:
                watermark = ledger.get_watermark(stream.system, stream.stream)
                return accepted(
                    f"no dead letter; the victim {'was' if victim in staged else 'was not'} "
                    f"staged; the watermark is now {watermark}",
                    neighbours_ok=neighbours,
                )
            text = " ".join(f"{d.record_id} {d.field or ''} {d.reason}" for d in letters)
            names = names_in(text, fields) and (
                not keyed or names_in(text, _names_of(stream, damage.victim, victim))
            )
            return quarantined(
                "; ".join(d.reason for d in letters), names_record=names, neighbours_ok=neighbours
            )
        finally:
            tap.damage = None
            ledger.close()

    return feed


def feed_page(stream: Stream, make_damage: Callable[[], Any]) -> Callable[[World], Verdict]:
    """A page-level case: the read stops with an error naming the system, the watermark stays,
    and a clean read afterwards stages everything (`neighbours_ok`)."""

    def feed(world: World) -> Verdict:
        tap = world.taps[stream.stream]
        ledger = world.fresh_ledger()
        tap.damage = damage = make_damage()
        try:
            try:
                world.extract(stream, ledger)
            except ConnectorError as exc:
                message = str(exc)
            else:
                if not damage.done:
                    raise RuntimeError(f"{stream.stream}: no answer was damaged")
                return accepted("the read went on as if the page were sound")
            finally:
                tap.damage = None
            kept = ledger.get_watermark(stream.system, stream.stream) is None
            world.extract(stream, ledger)
            recovered = kept and _staged(ledger, stream) >= world.baseline[stream.stream]
            return refused(
                message,
                names_record=names_in(message, stream.system),
                neighbours_ok=recovered,
            )
        finally:
            ledger.close()

    return feed


# --------------------------------------------------------------------------- the cases


def _set(name: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(record: dict[str, Any]) -> dict[str, Any]:
        record[name] = value
        return record

    return mutate


def _drop(*names: str) -> Callable[[dict[str, Any]], Any]:
    def mutate(record: dict[str, Any]) -> dict[str, Any]:
        for name in names:
            record.pop(name, None)
        return record

    return mutate


def _set_in(path: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def mutate(record: dict[str, Any]) -> dict[str, Any]:
        *parents, last = path.split(".")
        target = record
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
        return record

    return mutate


# (stream, case name, what is wrong, mutate, field names a good reason uses, keyed)
_RecordCase = tuple[str, str, str, Callable[[dict[str, Any]], Any], tuple[str, ...], bool]

_SF_DATE = ("lastModifiedDateTime", "modified_at")


KNOWN_GAPS: dict[str, str] = {}


def _record_cases() -> list[_RecordCase]:
    found: list[_RecordCase] = []
    for stream in STREAMS.values():
        key_fields = (stream.key, "remote_id")
        found.append(
            (
                stream.stream,
                "not_an_object",
                "an entry of the record list is a string, not an object",
                lambda _r: "garbage",
                ("(record)", "object", stream.key),
                False,
            )
        )
        found.append(
            (
                stream.stream,
                "missing_key",
                f"the record has no {stream.key}",
                _drop(stream.key),
                key_fields,
                False,
            )
        )
    sf = [
        (
            "Candidate",
            "date_out_of_range",
            "/Date()/ beyond year 9999",
            _set("lastModifiedDateTime", "/Date(99999999999999999)/"),
            _SF_DATE,
        ),
        (
            "Candidate",
            "date_not_a_date",
            "/Date()/ with letters",
            _set("lastModifiedDateTime", "/Date(abc)/"),
            _SF_DATE,
        ),
        (
            "Candidate",
            "date_wrong_type",
            "lastModifiedDateTime is a list",
            _set("lastModifiedDateTime", ["2024"]),
            _SF_DATE,
        ),
        (
            "Candidate",
            "email_html",
            "primaryEmail holds a script tag",
            _set("primaryEmail", INJECTIONS["html"]),
            ("primaryEmail", "emails"),
        ),
        (
            "Candidate",
            "email_crlf",
            "primaryEmail holds a header injection",
            _set("primaryEmail", "a@example.com\r\nBcc: x@evil.example"),
            ("primaryEmail", "emails"),
        ),
        (
            "Candidate",
            "phone_sql",
            "cellPhone holds SQL",
            _set("cellPhone", INJECTIONS["sql"]),
            ("cellPhone", "phones"),
        ),
        (
            "Candidate",
            "name_missing",
            "firstName and lastName are null",
            _drop("firstName", "lastName"),
            ("name", "firstName"),
        ),
        (
            "Candidate",
            "nan_number",
            "lastModifiedDateTime is NaN (not JSON)",
            _set("lastModifiedDateTime", Raw("NaN")),
            _SF_DATE,
        ),
        (
            "JobApplication",
            "job_wrong_type",
            "jobReqId is an object",
            _set("jobReqId", {"id": 1}),
            ("jobReqId", "job_id"),
        ),
        (
            "JobApplication",
            "candidate_null",
            "candidateId is null",
            _set("candidateId", None),
            ("candidateId", "candidate_id"),
        ),
        (
            "JobApplication",
            "date_year_0",
            "lastModifiedDateTime before year 1",
            _set("lastModifiedDateTime", "/Date(-62198755200000)/"),
            _SF_DATE,
        ),
        (
            "JobApplication",
            "huge_number",
            "lastModifiedDateTime is 1e400 (infinity)",
            _set("lastModifiedDateTime", Raw("1e400")),
            _SF_DATE,
        ),
        (
            "JobRequisition",
            "title_empty",
            "jobTitle is empty",
            _set("jobTitle", ""),
            ("jobTitle", "title"),
        ),
        (
            "JobRequisition",
            "recruiter_wrong_type",
            "recruiter is a string",
            _set("recruiter", INJECTIONS["traversal"]),
            ("recruiter", "recruiter_ids"),
        ),
    ]
    bip = [
        (
            "bip_staff",
            "pubts_bad",
            "pubts is month 13",
            _set("pubts", "2024-13-45 25:61:00"),
            ("pubts", "modified_at"),
        ),
        (
            "bip_staff",
            "mobile_sql",
            "mobile holds SQL",
            _set("mobile", INJECTIONS["sql"]),
            ("mobile",),
        ),
        (
            "bip_staff",
            "code_null",
            "code (required) is null",
            _set("code", None),
            ("code", "employee_code"),
        ),
        (
            "bip_staff",
            "birth_feb_30",
            "birthDate is 30 February",
            _set("birthDate", "2001-02-30"),
            ("birthDate", "birth_date"),
        ),
        ("bip_staff", "name_list", "name is a list", _set("name", ["张", "三"]), ("name",)),
    ]
    ding = [
        (
            "punches",
            "time_text",
            "userCheckTime is text",
            _set("userCheckTime", "yesterday"),
            ("userCheckTime", "punch_time"),
        ),
        (
            "punches",
            "time_huge",
            "userCheckTime beyond any date",
            _set("userCheckTime", BAD_DATES["huge_epoch"]),
            ("userCheckTime", "punch_time"),
        ),
        (
            "punches",
            "modified_nan",
            "gmtModified is NaN",
            _set("gmtModified", Raw("NaN")),
            ("gmtModified", "modified_at"),
        ),
        ("punches", "user_null", "userId is null", _set("userId", None), ("userId", "person_code")),
    ]
    att = [
        (
            "transactions",
            "upload_feb_30",
            "upload_time is 30 February",
            _set("upload_time", "2024-02-30 08:00:00"),
            ("upload_time", "modified_at"),
        ),
        (
            "transactions",
            "punch_traversal",
            "punch_time is a path",
            _set("punch_time", INJECTIONS["traversal"]),
            ("punch_time",),
        ),
        (
            "transactions",
            "punch_year_10000",
            "punch_time in year 10000",
            _set("punch_time", "10000-01-01 08:00:00"),
            ("punch_time",),
        ),
        (
            "transactions",
            "emp_code_null",
            "emp_code is null",
            _set("emp_code", None),
            ("emp_code", "person_code"),
        ),
    ]
    room = [
        (
            "interview_analyses",
            "external_id_sql",
            "external_id is SQL, not an interview id",
            _set("external_id", INJECTIONS["sql"]),
            ("external_id", "interview_id"),
        ),
        (
            "interview_analyses",
            "segments_object",
            "segments is an object",
            _set("segments", {"0": "x"}),
            ("segments",),
        ),
        (
            "interview_analyses",
            "consent_text",
            "consent is text",
            _set("consent", "yes"),
            ("consent",),
        ),
        (
            "interview_analyses",
            "duration_text",
            "recording.duration_ms is text",
            _set_in("recording.duration_ms", "long"),
            ("duration_ms", "audio_duration_ms"),
        ),
        (
            "interview_analyses",
            "segment_negative",
            "a segment starts before the recording",
            _set_in(
                "segments", [{"question_id": "q_sales", "start_ms": -5, "end_ms": 10, "text": "x"}]
            ),
            ("segments", "start_ms"),
        ),
    ]
    future = [
        (
            "Candidate",
            "date_from_the_future",
            "lastModifiedDateTime in 2099",
            _set("lastModifiedDateTime", "/Date(4070908800000)/"),
            _SF_DATE,
        ),
        (
            "transactions",
            "upload_from_the_future",
            "upload_time in 2099",
            _set("upload_time", "2099-01-01 00:00:00"),
            ("upload_time", "modified_at"),
        ),
    ]
    keyed = [(s, n, p, m, f, True) for s, n, p, m, f in (*sf, *bip, *ding, *att, *room, *future)]
    return found + keyed


def _html_page(_body: bytes) -> bytes:
    return b"<!doctype html><title>502 Bad Gateway</title><h1>upstream timed out</h1>"


def _cross_origin(body: bytes) -> bytes:
    data = json.loads(body)
    data["d"]["__next"] = "https://evil.example.com/odata/v2/Candidate?$skiptoken=1"
    return json.dumps(data).encode()


@dataclass
class LoopingNext:
    """The second page's next link points at the second page again: a server stuck in a
    loop (`done` once it has been sent)."""

    path_end: str
    first_next: str | None = None
    done: bool = False

    def __call__(self, path: str, body: bytes) -> bytes | None:
        if self.done or not path.endswith(self.path_end):
            return None
        data = json.loads(body)
        if self.first_next is None:
            self.first_next = data["d"].get("__next")
            return None
        data["d"]["__next"] = self.first_next
        self.done = True
        return json.dumps(data).encode()


def _list_not_list(path: str) -> Callable[[bytes], bytes]:
    def change(body: bytes) -> bytes:
        data = json.loads(body)
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[last] = {"0": "x"}
        return json.dumps(data).encode()

    return change


_PAGE_CHANGES: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "truncated": ("the answer is cut off half way", lambda b: b[: len(b) // 2]),
    "empty_body": ("the answer is zero bytes", lambda _b: b""),
    "html_200": ("an HTML error page with status 200", _html_page),
    "gbk": (
        "the answer is GBK, not UTF-8",
        lambda b: encoded(b.decode("utf-8"), "gb18030") + encoded("，", "gbk"),
    ),
    "nested": ("JSON nested 100,000 deep", lambda _b: deep_json().encode()),
    "nul_bytes": ("NUL bytes in place of the answer", lambda b: b"\x00" * max(16, len(b) // 4)),
}

# (stream, path the damaged answer ends with, list path for the not-a-list case)
_PAGED = [
    ("Candidate", "/odata/v2/Candidate", "d.results"),
    ("bip_staff", "/staff/listmdd", "data.recordList"),
    ("punches", "/attendance/listRecord", "recordresult"),
    ("transactions", "/iclock/api/transactions/", "data"),
    ("interview_analyses", "/api/v1/sessions", "data"),
]


def cases() -> list[HostileInput]:
    found = [
        HostileInput(
            ENTRY_POINT,
            f"{stream}/{name}",
            problem,
            feed_record(STREAMS[stream], mutate, fields, keyed),
            known_gap=KNOWN_GAPS.get(name),
        )
        for stream, name, problem, mutate, fields, keyed in _record_cases()
    ]
    for stream, path_end, list_path in _PAGED:
        changes = dict(_PAGE_CHANGES)
        changes["not_a_list"] = (f"{list_path} is an object, not a list", _list_not_list(list_path))
        for name, (problem, change) in changes.items():
            found.append(
                HostileInput(
                    ENTRY_POINT,
                    f"{stream}/page_{name}",
                    problem,
                    feed_page(STREAMS[stream], _page_damage(path_end, change)),
                )
            )
    sf, sf_path = STREAMS["Candidate"], "/odata/v2/Candidate"
    found += [
        HostileInput(
            ENTRY_POINT,
            "Candidate/page_next_cross_origin",
            "the next link points at another host",
            feed_page(sf, _page_damage(sf_path, _cross_origin)),
        ),
        HostileInput(
            ENTRY_POINT,
            "Candidate/page_next_loop",
            "the second page's next link points at itself",
            feed_page(sf, lambda: LoopingNext(sf_path)),
        ),
    ]
    return found


def _page_damage(path_end: str, change: Callable[[bytes], bytes]) -> Callable[[], PageDamage]:
    return lambda: PageDamage(path_end, change)
