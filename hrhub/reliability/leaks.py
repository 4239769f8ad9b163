"""No secret and no personal data in what a run leaves behind: seeded markers, then a search.

A leak check plants unmistakable marker strings in the test data (`Markers`): the sandbox
credentials of every simulator, the signing secret of interview links and the ledger key
(secrets), and a few candidates' names (Chinese ones too), emails, phones, id numbers, a
resume line and a spoken sentence (personal data), some of them in malformed records so that
error paths run as well. The flow then runs as `hrhub demo` runs it (`run_leak_check`), and
`scan` searches everything the run left: every file under the run's folder (Airflow's logs,
the report; gzip and zip members too), every table of Airflow's metadata database (XCom,
rendered template fields, task instance notes, dag run conf...), the captured output of each
Airflow process, and the ledger's error-message columns. The ledger's payload columns hold
personal data by design and are not searched.

A leak seldom keeps its original form, so each marker is also looked for URL-encoded,
JSON-escaped (``\\u9f98``), as Python bytes escapes (``\\xe9\\xbe\\x98``), as HTML character
references and inside base64 (at any alignment); issued access tokens are harvested from the
simulators after the run and searched as well, and any JWT is reported. Findings say where
(file and line, or table, column and row) and show an excerpt with the marker masked, so the
report itself leaks nothing.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import gzip
import io
import json
import os
import re
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

__all__ = [
    "LEDGER_MESSAGE_COLUMNS",
    "DatabaseTarget",
    "Finding",
    "LeakReport",
    "Marker",
    "Markers",
    "ScanReport",
    "Scanner",
    "run_leak_check",
    "scan",
]

SECRET = "secret"
PERSONAL = "personal"

# The ledger's columns that carry messages (not payloads): searched. Its payload columns hold
# personal data by design (and are protected there), so they are not.
LEDGER_MESSAGE_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "ledger_dead_letter": ("record_id", "field", "reason", "error_class"),
    "ledger_outbox": ("last_error", "claimed_by"),
    "ledger_audit": ("actor", "action", "subject", "data"),
    "ledger_review": ("reasons", "decision_reason", "decided_by"),
    "ledger_cursor": ("watermark",),
}

EXCERPT_CHARS = 40  # shown either side of a finding
MIN_BASE64_CORE = 8  # base64 pieces shorter than this would match by chance
SQLITE_HEADER = b"SQLite format 3\x00"
# A JSON Web Token: any one in the output is a bearer credential written down.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{16,}")
# The marker candidates' resumes add a long career, a degree and every skill the sandbox's
# jobs ask for, so they are shortlisted and go on to interviews like the best real candidates.
RESUME_HISTORY = (
    "工作经历\n2012.03-至今 华为 高级工程师\n教育背景\n2008.09-2012.07 浙江大学 软件工程 本科\n"
)
RESUME_SKILLS = (
    "精通 Java、Spring Boot、MySQL、Redis、Kafka、微服务、TypeScript、React、Vue、Webpack、"
    "Node.js、Python、PyTorch、机器学习、NLP、推荐系统、SQL、Tableau、统计学、A/B测试、Selenium、"
    "JMeter、自动化测试、CPA、用友U8、税务申报、Excel、大客户销售、CRM、商务谈判、渠道拓展、"
    "校园招聘、社会招聘、面试评估、SuccessFactors、劳动法、Employee Relations、Talent Review、"
    "Roadmapping、User Research、Axure。"
)
# Where each simulator keeps the access tokens it issued (for the search after a run).
TOKEN_STORES = ("_tokens", "bip_tokens", "_static_tokens", "_auth_codes")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


# == markers =====================================================================================


@dataclass(frozen=True)
class Marker:
    """One planted string: `kind` secret or personal, `label` says what it stands for."""

    kind: str
    label: str
    value: str


@dataclass(frozen=True)
class Markers:
    """The marker strings of one leak check (`create`), and how to plant them."""

    tag: str
    # secrets
    sf_password: str
    yonyou_secret: str
    dingtalk_secret: str
    robot_token: str
    robot_secret: str
    attendance_password: str
    room_api_key: str
    link_secret: str
    ledger_key: str
    # personal data: SuccessFactors candidates (one malformed), Yonyou applicants (one
    # malformed), a resume line and a sentence spoken in every interview
    zh_given: str
    zh_family: str
    zh_email: str
    zh_phone: str
    en_given: str
    en_family: str
    en_email: str
    en_phone: str
    bad_given: str
    bad_family: str
    bad_email: str
    bad_phone: str
    resume_note: str
    applicant_name: str
    applicant_id_number: str
    applicant_mobile: str
    applicant_email: str
    bad_applicant_name: str
    bad_applicant_id_number: str
    bad_applicant_mobile: str
    spoken: str
    extra: tuple[Marker, ...] = ()

    @classmethod
    def create(cls, tag: str = "7q3k") -> Markers:
        """Markers carrying `tag` (letters and digits), distinct from anything the simulators
        generate. Chinese names use characters no generated name has (龘, 靐, 齉...)."""
        if not tag.isalnum():
            raise ValueError(f"marker tag must be letters and digits, got {tag!r}")
        s, p = f"SECMARK{tag}", f"PIIMARK{tag}"
        return cls(
            tag=tag,
            sf_password=f"{s}SfApiPassword",
            yonyou_secret=f"{s}YonyouAppSecret",
            dingtalk_secret=f"{s}DingAppSecret",
            robot_token=f"{s}RobotToken",
            robot_secret=f"{s}RobotSigning",
            attendance_password=f"{s}AttendancePw",
            room_api_key=f"{s}RoomApiKey",
            link_secret=f"{s}LinkSigning",
            ledger_key=base64.urlsafe_b64encode(f"{s}LedgerKey".ljust(32, "K").encode()).decode(),
            zh_given="靐齉爩",
            zh_family="龘",
            zh_email=f"{p.lower()}zhmail@163.com",
            zh_phone="19947130582",  # bare, as DingTalk looks people up by
            en_given=f"{p}Given",
            en_family=f"{p}Family",
            en_email=f"{p.lower()}enmail@example.com",
            en_phone="+86 18873920461",
            bad_given="鼗鼙",
            bad_family="爨",
            bad_email=f"{p.lower()}badmail@@example",  # not an email: a dead letter
            bad_phone="+86 17734960175",
            resume_note=f"{RESUME_HISTORY}自我评价：{p}Resume。{RESUME_SKILLS}",
            applicant_name="齾麤",
            applicant_id_number="632223197811045726",
            applicant_mobile="15947130586",
            applicant_email=f"{p.lower()}yymail@mail.example.cn",
            bad_applicant_name="灪齼",
            bad_applicant_id_number="520381199307145519",
            bad_applicant_mobile=f"{p}BadMobile",  # not a mobile number: a dead letter
            spoken=f"我的推荐码是{p}Spoken。",
        )

    def all(self) -> tuple[Marker, ...]:
        """Every marker as searched: the distinctive part of each planted value."""
        s, p = SECRET, PERSONAL
        return (
            Marker(s, "successfactors password", self.sf_password),
            Marker(s, "yonyou app secret", self.yonyou_secret),
            Marker(s, "dingtalk app secret", self.dingtalk_secret),
            Marker(s, "dingtalk robot token", self.robot_token),
            Marker(s, "dingtalk robot signing secret", self.robot_secret),
            Marker(s, "attendance password", self.attendance_password),
            Marker(s, "interview room api key", self.room_api_key),
            Marker(s, "interview link signing secret", self.link_secret),
            Marker(s, "ledger key", self.ledger_key),
            Marker(s, "ledger key (decoded)", base64.urlsafe_b64decode(self.ledger_key).decode()),
            Marker(p, "zh candidate given name", self.zh_given),
            Marker(p, "zh candidate email", _local_part(self.zh_email)),
            Marker(p, "zh candidate phone", _digits(self.zh_phone)),
            Marker(p, "en candidate given name", self.en_given),
            Marker(p, "en candidate family name", self.en_family),
            Marker(p, "en candidate email", _local_part(self.en_email)),
            Marker(p, "en candidate phone", _digits(self.en_phone)),
            Marker(p, "malformed candidate given name", self.bad_given),
            Marker(p, "malformed candidate email", _local_part(self.bad_email)),
            Marker(p, "malformed candidate phone", _digits(self.bad_phone)),
            Marker(p, "resume text", f"PIIMARK{self.tag}Resume"),
            Marker(p, "applicant name", self.applicant_name),
            Marker(p, "applicant id number", self.applicant_id_number),
            Marker(p, "applicant mobile", self.applicant_mobile),
            Marker(p, "applicant email", _local_part(self.applicant_email)),
            Marker(p, "malformed applicant name", self.bad_applicant_name),
            Marker(p, "malformed applicant id number", self.bad_applicant_id_number),
            Marker(p, "malformed applicant mobile", self.bad_applicant_mobile),
            Marker(p, "interview transcript", f"PIIMARK{self.tag}Spoken"),
            *self.extra,
        )

    def with_extra(self, extra: Iterable[Marker]) -> Markers:
        """These markers plus `extra` (e.g. the tokens the simulators issued during a run)."""
        return replace(self, extra=(*self.extra, *extra))

    # -- planting ------------------------------------------------------------------------------

    def simulator_options(self) -> dict[str, dict[str, Any]]:
        """Keyword arguments per simulator that plant the markers (`sandbox(options=...)`)."""
        zh = "zh_CN"
        return {
            "successfactors": {
                "password": self.sf_password,
                "extra_candidates": [
                    _sf_candidate(self.zh_given, self.zh_family, self.zh_email, self.zh_phone, zh)
                    | {"resumeNote": self.resume_note},
                    _sf_candidate(self.en_given, self.en_family, self.en_email, self.en_phone)
                    | {"resumeNote": self.resume_note},
                    # malformed (its email): a dead letter at extract
                    _sf_candidate(
                        self.bad_given, self.bad_family, self.bad_email, self.bad_phone, zh
                    ),
                ],
            },
            "yonyou": {
                "password": self.yonyou_secret,
                "extra_applicants": [
                    {
                        "name": self.applicant_name,
                        "id_number": self.applicant_id_number,
                        "mobile": self.applicant_mobile,
                        "email": self.applicant_email,
                    },
                    {
                        "name": self.bad_applicant_name,
                        "id_number": self.bad_applicant_id_number,
                        "mobile": self.bad_applicant_mobile,
                    },
                ],
            },
            "dingtalk": {
                "app_secret": self.dingtalk_secret,
                # The Chinese candidate works here already: an internal candidate, invited
                # through a DingTalk work notification as well.
                "extra_users": [
                    {"name": f"{self.zh_family}{self.zh_given}", "mobile": _digits(self.zh_phone)}
                ],
            },
            "attendance": {"password": self.attendance_password},
            "interview_room": {
                "api_key": self.room_api_key,
                "link_secret": self.link_secret,
                "transcript_note": self.spoken,
            },
        }

    def connection_secrets(self) -> dict[str, dict[str, str]]:
        """Per system, what replaces the sandbox's in its connection URI: `password` and
        secret extras (the simulators are started with the same, `simulator_options`)."""
        return {
            "successfactors": {"password": self.sf_password},
            "yonyou": {"password": self.yonyou_secret},
            "dingtalk": {
                "password": self.dingtalk_secret,
                "robot_token": self.robot_token,
                "robot_secret": self.robot_secret,
            },
            "attendance": {"password": self.attendance_password},
            "interview_room": {"password": self.room_api_key, "link_secret": self.link_secret},
        }


def _sf_candidate(
    given: str, family: str, email: str, phone: str, locale: str = "en_US"
) -> dict[str, Any]:
    return {
        "firstName": given,
        "lastName": family,
        "primaryEmail": email,
        "contactEmail": email,
        "cellPhone": phone,
        "candidateLocale": locale,
    }


def _local_part(email: str) -> str:
    return email.split("@", 1)[0]


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone).removeprefix("86")


def with_marker_credentials(conn_uri: str, secrets: Mapping[str, str]) -> str:
    """`conn_uri` (a sandbox connection) with its password and extras replaced by `secrets`
    (`password`, or an extra's name)."""
    parts = urlsplit(conn_uri)
    netloc = parts.netloc
    if "password" in secrets:
        userinfo, _, hostport = netloc.rpartition("@")
        login = userinfo.split(":", 1)[0]
        netloc = f"{login}:{quote(secrets['password'], safe='')}@{hostport}"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: v for k, v in secrets.items() if k != "password"})
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))


def use_marker_credentials(systems: Iterable[Any], markers: Markers) -> None:
    """Point each sandbox system's connection at the marker credentials its simulator was
    started with (`Markers.simulator_options`), and give DingTalk the marker robot."""
    secrets = markers.connection_secrets()
    for system in systems:
        system.conn_uri = with_marker_credentials(system.conn_uri, secrets[system.system])
        if system.system == "dingtalk":
            system.server.add_robot(markers.robot_token, secret=markers.robot_secret)


# == searching ===================================================================================


def marker_forms(value: str) -> dict[str, str]:
    """The forms a leaked `value` takes, searched case-insensitively (form -> text)."""
    forms = {
        "raw": value,
        "url-encoded": quote(value, safe=""),
        "url-encoded (form)": quote_plus(value),
        "json-escaped": json.dumps(value)[1:-1],
    }
    if not value.isascii():
        utf8 = value.encode("utf-8")
        forms["bytes-escaped"] = "".join(f"\\x{b:02x}" for b in utf8)
        forms["html-escaped"] = "".join(c if c.isascii() else f"&#{ord(c)};" for c in value)
        forms["html-escaped (hex)"] = "".join(
            c if c.isascii() else f"&#x{ord(c):x};" for c in value
        )
    return forms


def base64_forms(value: str) -> set[str]:
    """Pieces of text any base64 (standard or URL-safe) holding `value` contains, whatever
    the alignment: what is left of its encoding once the groups it shares with neighbouring
    bytes are dropped. Searched case-sensitively."""
    data = value.encode("utf-8")
    pieces: set[str] = set()
    for shift in range(3):
        padded = b"\x00" * shift + data
        encoded = base64.b64encode(padded).decode("ascii")
        core = encoded[4 if shift else 0 : len(padded) // 3 * 4]
        if len(core) >= MIN_BASE64_CORE:
            pieces |= {core, core.replace("+", "-").replace("/", "_")}
    return pieces


@dataclass(frozen=True)
class Finding:
    """One occurrence of a marker: what leaked, in which form, where; the excerpt masks it."""

    kind: str
    label: str
    form: str
    where: str
    excerpt: str


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    marker: Marker
    form: str


class Scanner:
    """Finds markers (in every form) in text; reports them with the marker masked."""

    def __init__(self, markers: Iterable[Marker]) -> None:
        self.markers = tuple(markers)
        self._folded: dict[str, tuple[Marker, str]] = {}
        self._exact: dict[str, tuple[Marker, str]] = {}
        for marker in self.markers:
            for form, text in marker_forms(marker.value).items():
                self._folded.setdefault(text.translate(_ASCII_LOWER), (marker, form))
            for text in base64_forms(marker.value):
                self._exact.setdefault(text, (marker, "base64"))

    def hits(self, text: str) -> list[_Hit]:
        """Every occurrence, in order (`str.find` per needle: fast on megabytes of logs)."""
        found: dict[tuple[int, int], _Hit] = {}
        folded = text.translate(_ASCII_LOWER)
        for haystack, needles in ((folded, self._folded), (text, self._exact)):
            for needle, (marker, form) in needles.items():
                at = haystack.find(needle)
                while at >= 0:
                    end = at + len(needle)
                    found.setdefault((at, end), _Hit(at, end, marker, form))
                    at = haystack.find(needle, at + 1)
        jwt = Marker(SECRET, "a JSON Web Token", "")
        for m in JWT.finditer(text):
            found.setdefault((m.start(), m.end()), _Hit(m.start(), m.end(), jwt, "jwt"))
        return sorted(found.values(), key=lambda h: (h.start, -h.end))

    def findings(self, text: str, where: Callable[[int], str]) -> list[Finding]:
        """Findings in `text`; `where(offset)` names the place of an offset."""
        hits = self.hits(text)
        return [
            Finding(h.marker.kind, h.marker.label, h.form, where(h.start), _excerpt(text, h, hits))
            for h in hits
        ]

    def text_findings(self, text: str, place: str) -> list[Finding]:
        """Findings in a text named `place`, located by line."""
        lines = _LineIndex(text)
        return self.findings(text, lambda offset: f"{place}:{lines.line_of(offset)}")


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [m.end() for m in re.finditer("\n", self._text)]
        return bisect.bisect_right(self._starts, offset) + 1


def _excerpt(text: str, hit: _Hit, hits: Sequence[_Hit]) -> str:
    """The text around `hit`, every marker in it (whole or cut by the edges) masked."""
    start = max(0, hit.start - EXCERPT_CHARS)
    end = min(len(text), hit.end + EXCERPT_CHARS)
    pieces, at = [], start
    for other in hits:
        if other.end <= start or other.start >= end:
            continue
        if other.start > at:
            pieces.append(text[at : other.start])
        if other.end > at:
            pieces.append(f"[{other.marker.kind} marker: {other.marker.label}]")
            at = other.end
    pieces.append(text[at:end] if at < end else "")
    return "".join(pieces).replace("\r", " ").replace("\n", "⏎")


# == places ======================================================================================


@dataclass(frozen=True)
class DatabaseTarget:
    """A database to search: `url` (SQLAlchemy), `label` for findings, and `columns` (table
    -> columns) to search only those (None: every column of every table)."""

    url: str
    label: str
    columns: Mapping[str, Sequence[str]] | None = None


@dataclass
class ScanReport:
    """What was searched (places, bytes) and what was found."""

    places: list[str] = field(default_factory=list)
    bytes_scanned: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_dict(self, limit: int = 200) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "places": self.places,
            "bytes_scanned": self.bytes_scanned,
            "findings": len(self.findings),
            "by_label": _count_by(self.findings, lambda f: f"{f.kind}: {f.label} ({f.form})"),
            "first_findings": [asdict(f) for f in self.findings[:limit]],
            "notes": self.notes,
        }


def _count_by(findings: Iterable[Finding], key: Callable[[Finding], str]) -> dict[str, int]:
    return dict(sorted(Counter(key(f) for f in findings).items()))


def scan(
    markers: Markers | Iterable[Marker],
    *,
    paths: Iterable[Path] = (),
    databases: Iterable[DatabaseTarget] = (),
    texts: Mapping[str, str] | None = None,
    skip: Iterable[Path] = (),
) -> ScanReport:
    """Search for `markers` in every file under `paths` (SQLite files as databases, all
    tables, and their raw bytes for deleted rows; gzip and zip members unpacked), in
    `databases`, and in `texts` (captured output, by name). Files under `skip` are left out
    (the ledger's file: its message columns are searched as a database instead)."""
    scanner = Scanner(markers.all() if isinstance(markers, Markers) else markers)
    report = ScanReport()
    skipped = {Path(p).resolve() for p in skip}
    for root in paths:
        for path in _files(Path(root)):
            if path.resolve() in skipped or any(s in path.resolve().parents for s in skipped):
                continue
            _scan_file(scanner, path, report)
    for target in databases:
        _scan_database(scanner, target, report)
    for name, text in (texts or {}).items():
        report.places.append(f"output: {name}")
        report.bytes_scanned += len(text.encode("utf-8", "replace"))
        report.findings += scanner.text_findings(text, name)
    return report


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _scan_file(scanner: Scanner, path: Path, report: ScanReport) -> None:
    data = path.read_bytes()
    report.places.append(f"file: {path}")
    report.bytes_scanned += len(data)
    if data.startswith(SQLITE_HEADER):
        found = _scan_database(scanner, DatabaseTarget(f"sqlite:///{path}", str(path)), report)
        # Deleted rows and free pages keep their bytes: what the tables no longer show.
        seen = {f.label for f in found}
        raw = scanner.findings(
            data.decode("utf-8", "replace"),
            lambda offset: f"{path} (raw bytes near offset {offset}: a deleted row or index)",
        )
        report.findings += [f for f in raw if f.label not in seen]
        return
    for name, text in _unpacked(path, data):
        report.findings += scanner.text_findings(text, name)


def _unpacked(path: Path, data: bytes) -> list[tuple[str, str]]:
    """(name, text) of a file: gzip and zip members unpacked, anything else as UTF-8."""
    if data[:2] == b"\x1f\x8b":
        try:
            return [(f"{path} (gunzipped)", gzip.decompress(data).decode("utf-8", "replace"))]
        except (OSError, EOFError):
            pass  # not gzip after all: searched as it is
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return [
                    (f"{path}!{info.filename}", archive.read(info).decode("utf-8", "replace"))
                    for info in archive.infolist()
                    if not info.is_dir()
                ]
        except (zipfile.BadZipFile, OSError):
            pass
    return [(str(path), data.decode("utf-8", "replace"))]


def _scan_database(scanner: Scanner, target: DatabaseTarget, report: ScanReport) -> list[Finding]:
    """Search every row of the chosen columns; a finding names table, column and row."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(target.url)
    found: list[Finding] = []
    try:
        inspector = inspect(engine)
        tables = inspector.get_table_names()
        quote_name = engine.dialect.identifier_preparer.quote
        with engine.connect() as conn:
            for table in sorted(tables):
                present = [c["name"] for c in inspector.get_columns(table)]
                wanted = present if target.columns is None else target.columns.get(table)
                if not wanted:
                    continue
                missing = [c for c in wanted if c not in present]
                if missing:
                    report.notes.append(f"{target.label}: {table} has no {', '.join(missing)}")
                columns = [c for c in wanted if c in present]
                keys = inspector.get_pk_constraint(table).get("constrained_columns") or []
                report.places.append(f"database: {target.label} {table} ({', '.join(columns)})")
                select = ", ".join(quote_name(c) for c in [*keys, *columns])
                rows = conn.execute(text(f"SELECT {select} FROM {quote_name(table)}"))
                for n, row in enumerate(rows):
                    row_id = ",".join(str(v) for v in row[: len(keys)]) if keys else f"#{n + 1}"
                    for column, value in zip(columns, row[len(keys) :], strict=True):
                        if value is None:
                            continue
                        cell = _as_text(value)
                        report.bytes_scanned += len(cell.encode("utf-8", "replace"))
                        place = f"{target.label} {table}.{column} row {row_id}"
                        found += scanner.findings(cell, lambda _o, place=place: place)
    finally:
        engine.dispose()
    report.findings += found
    return found


def _as_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if data[:2] == b"\x1f\x8b":
            with contextlib.suppress(OSError, EOFError):
                data = gzip.decompress(data)
        return data.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# == a seeded run ================================================================================


@dataclass
class LeakReport:
    """A leak check: the scan, the evidence that the markers went through the flow, timings."""

    scan: ScanReport
    evidence: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # captured, by process

    def as_dict(self) -> dict[str, Any]:
        return {
            "scan": self.scan.as_dict(),
            "evidence": self.evidence,
            "seconds": self.seconds,
            "output_chars": {name: len(text) for name, text in self.outputs.items()},
        }


def run_leak_check(
    *,
    out_dir: Path,
    candidates: int = 40,
    faults: str = "",
    markers: Markers | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> LeakReport:
    """Run the flow as `hrhub demo` does with the markers planted, then `scan` what it left.

    `faults` (as for `hrhub demo --faults`) sends the run down its error paths too. The
    ledger key marker is the ledger's key (HRHUB_LEDGER_KEY) for the Airflow processes
    and, while the run lasts, for this one (which reads the ledger to reconcile)."""
    from hrhub.demo import SQLITE_SIDE_FILES, demo_session
    from hrhub.ledger import Ledger
    from hrhub.ledger.sealing import KEY_ENV

    markers = markers or Markers.create()
    out_dir = Path(out_dir).resolve()
    # What an earlier check left goes (the demo clears its own files); the rest of the folder
    # is searched with the run's files.
    (out_dir / "lineage.jsonl").unlink(missing_ok=True)
    ledger_path = out_dir / "ledger.db"
    ledger_files = [ledger_path, *(Path(f"{ledger_path}{s}") for s in SQLITE_SIDE_FILES)]
    # Lineage on, into a file of the run's folder: its events are searched too.
    lineage = {"type": "file", "log_file_path": str(out_dir / "lineage.jsonl"), "append": True}
    extra_env = {
        KEY_ENV: markers.ledger_key,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(lineage),
    }
    with (
        _environ(KEY_ENV, markers.ledger_key),
        demo_session(
            candidates=candidates,
            faults=faults,
            out_dir=out_dir,
            options=markers.simulator_options(),
            extra_env=extra_env,
            prepare=lambda systems: use_marker_credentials(systems, markers),
            say=say,
        ) as session,
    ):
        try:
            session.run_flow()
            result = session.result()
            ledger = Ledger.open(session.ledger_url)
            try:
                evidence = marker_evidence(markers, session.systems, ledger)
            finally:
                ledger.close()
            outputs = {
                **session.outputs,
                "demo summary (hrhub demo --json)": json.dumps(result.as_dict(), default=str),
            }
        finally:
            tokens = issued_tokens(session.systems)
            markers = markers.with_extra(tokens)
    evidence["issued_tokens"] = len(tokens)
    seconds = dict(session.seconds)
    say("searching what the run left")
    started = time.monotonic()
    report = scan(
        markers,
        paths=[out_dir],
        databases=[DatabaseTarget(session.ledger_url, "ledger", LEDGER_MESSAGE_COLUMNS)],
        texts=outputs,
        skip=ledger_files,
    )
    seconds["scan"] = round(time.monotonic() - started, 1)
    return LeakReport(report, evidence, seconds, outputs)


@contextlib.contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """`name` set to `value` in this process's environment for a `with` block."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def issued_tokens(systems: Iterable[Any]) -> list[Marker]:
    """The access tokens the simulators issued during the run, and the interview links'
    tokens the room holds: bearer credentials, searched like the secrets."""
    found: list[Marker] = []
    for system in systems:
        server = system.server
        for store in TOKEN_STORES:
            for token in list(getattr(server, store, None) or {}):
                if isinstance(token, str) and len(token) >= 16:
                    found.append(Marker(SECRET, f"{system.system} access token", token))
        for order in list((getattr(server, "orders", None) or {}).values()):
            token = order.get("link_token") if isinstance(order, Mapping) else None
            if isinstance(token, str) and len(token) >= 16:
                found.append(Marker(SECRET, "interview link token", token))
    return found


def marker_evidence(markers: Markers, systems: Iterable[Any], ledger: Any) -> dict[str, Any]:
    """Proof the markers went through the flow (a clean scan of a run they skipped proves
    nothing): marker records staged, dead-lettered, ordered in the room, notified on DingTalk,
    transcribed."""
    by_system = {s.system: s.server for s in systems}
    sf, room = by_system["successfactors"], by_system["interview_room"]
    marker_ids = {
        f"successfactors:candidate:{row['candidateId']}": row["firstName"]
        for row in sf.rows("Candidate")
        if row["firstName"] in (markers.zh_given, markers.en_given, markers.bad_given)
    }
    staged = {r.canonical_id for r in ledger.get_records(marker_ids)}
    yonyou_ids = {
        f"yonyou:candidate:{a['pk_applicant']}": a["name"]
        for a in by_system["yonyou"].rows("applicants")
        if a["name"] in (markers.applicant_name, markers.bad_applicant_name)
    }
    staged |= {r.canonical_id for r in ledger.get_records(yonyou_ids)}
    letters = {d.record_id: d for d in ledger.dead_letters()}
    names = {**marker_ids, **yonyou_ids}
    spoken = f"PIIMARK{markers.tag}Spoken"
    analyses = [
        r
        for r in ledger.iter_staged("interview_analysis")
        if spoken in json.dumps(r.payload, ensure_ascii=False)
    ]
    ordered_names = {
        f"{markers.zh_family}{markers.zh_given}",
        f"{markers.en_given} {markers.en_family}",
    }
    dingtalk = by_system["dingtalk"]
    colleague = dingtalk.user_by_mobile(_digits(markers.zh_phone)) or {}
    notices = [
        task
        for task in list(dingtalk.sent_tasks.values())
        if colleague.get("userid") in task.get("delivered", ())
    ]
    return {
        "marker_records": len(names),
        "dingtalk_notices": len(notices),
        "staged": sorted(names[i] for i in staged),
        "dead_letters": sorted(
            f"{names[i]}: field {letters[i].field}" for i in names if i in letters
        ),
        "room_orders": sorted(
            o["candidate"]["name"]
            for o in list(room.orders.values())
            if o["candidate"]["name"] in ordered_names
        ),
        "transcripts_with_marker": len(analyses),
    }
