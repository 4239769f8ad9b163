"""The Yonyou simulator's HR data: people (NC psndoc = BIP staff), applicants, interview
results and recruitment requisitions, shared by the NC SOAP face and the YonBIP face.

One store serves both faces because an enterprise moving from NC to YonBIP keeps the same
people; each face renders them its own way (NC: `pk_*` keys, `ts`; BIP: `id`, `pubts`, mobile
as "+86-..."). Times are naive China wall-clock datetimes with second precision, as Yonyou
stores them ("yyyy-MM-dd HH:mm:ss"). Writes stamp `ts` with the store's clock, so incremental
reads see them. Every method takes `self.lock`: faces serve requests on many threads.
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CHINA",
    "DATE_FMT",
    "TS_FMT",
    "Applicant",
    "Checkin",
    "InterviewResult",
    "Person",
    "Requisition",
    "YonyouData",
    "format_ts",
    "parse_ts",
]

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
TS_FMT = "%Y-%m-%d %H:%M:%S"
DATE_FMT = "%Y-%m-%d"

ORGS = {"0001A110000000000ORG": ("HRHUB01", "华东科技有限公司")}
DEPARTMENTS = {
    "1001A1100000000DEPT01": ("D01", "研发中心"),
    "1001A1100000000DEPT02": ("D02", "数据平台部"),
    "1001A1100000000DEPT03": ("D03", "人力资源部"),
    "1001A1100000000DEPT04": ("D04", "销售部"),
    "1001A1100000000DEPT05": ("D05", "财务部"),
}
JOBS = {
    "1001A1100000000JOB001": ("RJ2026001", "高级数据工程师", "1001A1100000000DEPT02"),
    "1001A1100000000JOB002": ("RJ2026002", "后端开发工程师", "1001A1100000000DEPT01"),
    "1001A1100000000JOB003": ("RJ2026003", "招聘专员", "1001A1100000000DEPT03"),
    "1001A1100000000JOB004": ("RJ2026004", "大客户经理", "1001A1100000000DEPT04"),
    "1001A1100000000JOB005": ("RJ2026005", "财务分析师", "1001A1100000000DEPT05"),
}
_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇晨浩然欣怡子涵梓轩"
_SCHOOLS = ("清华大学", "浙江大学", "复旦大学", "上海交通大学", "武汉大学", "南京大学")
_EDUCATION = ("本科", "硕士", "博士", "大专")
_COMPANIES = ("阿里巴巴", "腾讯", "华为", "字节跳动", "美团", "京东", None)
APPLICANT_STATES = ("1", "2", "3", "4")  # 待筛选, 初试中, 复试中, 已录用 (hrhub's reading)


def format_ts(value: datetime) -> str:
    return value.strftime(TS_FMT)


_TS_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")


def parse_ts(text: str) -> datetime:
    """'yyyy-MM-dd HH:mm:ss' or 'yyyy-MM-dd'; ValueError names the text."""
    text = text.strip()
    if _TS_SHAPE.fullmatch(text):
        try:
            return datetime.fromisoformat(text)  # strptime is ten times slower
        except ValueError:
            pass
    raise ValueError(f"not a Yonyou time ('yyyy-MM-dd HH:mm:ss'): {text!r}")


@dataclass
class Person:
    """One person of the HR master data: NC `bd_psndoc`, YonBIP `staff`."""

    pk_psndoc: str
    bip_id: str
    code: str
    name: str
    sex: int  # 1 male, 2 female
    id_number: str
    mobile: str  # 11 digits, no country code
    email: str | None
    birthdate: date
    pk_org: str
    pk_dept: str
    job_name: str
    indutydate: date
    ts: datetime
    enabled: bool = True
    origin: str = "seed"  # "seed", or the hrhub record that created it (pre-hire)


@dataclass
class Applicant:
    """One applicant of the recruitment module (应聘人员)."""

    pk_applicant: str
    code: str
    name: str
    sex: int
    id_number: str
    mobile: str
    email: str | None
    birthdate: date
    pk_job: str
    apply_date: date
    education: str
    school: str
    work_company: str | None
    state: str
    ts: datetime


@dataclass
class InterviewResult:
    """An interview result written back by the hub, keyed by the caller's bill id."""

    pk: str
    bill_id: str
    fields: dict[str, Any]
    ts: datetime


@dataclass
class Checkin:
    """A check-in record (签到) of a person, written by the hub from the attendance system's
    punches so HR sees how a new hire's first week went; keyed by the caller's bill id."""

    pk: str
    bill_id: str
    pk_psndoc: str
    checktime: datetime
    direction: str  # "I" in, "O" out
    machine: str | None
    ts: datetime


@dataclass
class Requisition:
    """A YonBIP recruitment requisition (招聘需求) with its posts."""

    id: str
    code: str
    fields: dict[str, Any]
    posts: list[dict[str, Any]] = field(default_factory=list)
    pubts: datetime = field(default_factory=datetime.now)


class YonyouData:
    """The store; `clock()` returns naive China time (tests may replace it).

    `extra_applicants`: applicants planted after the generated ones, each a mapping of
    `Applicant` fields that replace the generated values (stored as given, unvalidated, as a
    bad source record would be). Used to seed recognisable test data.
    """

    def __init__(
        self,
        *,
        persons: int = 600,
        applicants: int = 400,
        seed: int = 7,
        clock: Callable[[], datetime] | None = None,
        extra_applicants: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock or (lambda: datetime.now(CHINA).replace(tzinfo=None, microsecond=0))
        self.persons: dict[str, Person] = {}
        self.person_by_id_number: dict[str, str] = {}
        self.person_by_bip_id: dict[str, str] = {}
        self.applicants: dict[str, Applicant] = {}
        self.results: dict[str, InterviewResult] = {}  # bill_id -> result
        self.checkins: dict[str, Checkin] = {}  # bill_id -> check-in
        self.requisitions: dict[str, Requisition] = {}  # id -> requisition
        self.requisition_by_code: dict[str, str] = {}
        self._serial = 0
        self._used_id_numbers: set[str] = set()
        self._seed(persons, applicants, seed)
        self._plant_applicants(extra_applicants, random.Random(seed + 1))
        # Key numbers per table: a deleted record's key is never given to a new one (NC's and
        # YonBIP's keys are not reused).
        self._sequences: dict[str, int] = {"persons": len(self.persons)}

    # -- seeding -------------------------------------------------------------------------------

    def _seed(self, persons: int, applicants: int, seed: int) -> None:
        rng = random.Random(seed)
        now = self.clock()
        for i in range(persons):
            ts = now - timedelta(seconds=rng.randint(3600, 90 * 86400))
            pk_dept = rng.choice(list(DEPARTMENTS))
            self._add_person(
                Person(
                    pk_psndoc=f"1001A1100000{i:08d}",
                    bip_id=str(1_800_000_000_000_000_000 + i * 7919),
                    code=f"E{100000 + i}",
                    name=_name(rng),
                    sex=rng.choice((1, 2)),
                    id_number=self._unique_id_number(rng, i),
                    mobile=f"13{rng.randint(0, 9)}{10_000_000 + i * 37 % 90_000_000:08d}",
                    email=f"e{100000 + i}@corp.example.cn" if rng.random() < 0.9 else None,
                    birthdate=date(1970, 1, 1) + timedelta(days=rng.randint(4000, 12000)),
                    pk_org=next(iter(ORGS)),
                    pk_dept=pk_dept,
                    job_name=rng.choice(list(JOBS.values()))[1],
                    indutydate=(now - timedelta(days=rng.randint(30, 3000))).date(),
                    ts=ts,
                )
            )
        for i in range(applicants):
            ts = now - timedelta(seconds=rng.randint(600, 30 * 86400))
            applicant = self._new_applicant(i, ts, rng, with_email=True)
            self.applicants[applicant.pk_applicant] = applicant

    def _new_applicant(
        self, i: int, ts: datetime, rng: random.Random, *, with_email: bool
    ) -> Applicant:
        """Applicant number `i`, drawn from `rng` (the draws' order makes the seeded data);
        `with_email`: most have one (a draw), else none (no draw)."""
        return Applicant(
            pk_applicant=f"1001A1100000RM{i:06d}",
            code=f"YP{20260000 + i}",
            name=_name(rng),
            sex=rng.choice((1, 2)),
            id_number=self._unique_id_number(rng, 500_000 + i),
            mobile=f"15{rng.randint(0, 9)}{20_000_000 + i * 53 % 70_000_000:08d}",
            email=(f"applicant{i}@mail.example.cn" if rng.random() < 0.95 else None)
            if with_email
            else None,
            birthdate=date(1980, 1, 1) + timedelta(days=rng.randint(2000, 7000)),
            pk_job=rng.choice(list(JOBS)),
            apply_date=(ts - timedelta(days=rng.randint(0, 20))).date(),
            education=rng.choice(_EDUCATION),
            school=rng.choice(_SCHOOLS),
            work_company=rng.choice(_COMPANIES),
            state=rng.choice(APPLICANT_STATES),
            ts=ts,
        )

    def _plant_applicants(self, extra: Iterable[Mapping[str, Any]], rng: random.Random) -> None:
        """The `extra_applicants`: generated like the others, then the given fields."""
        known = {f.name for f in dataclasses.fields(Applicant)}
        now = self.clock()
        for fields in extra:
            unknown = sorted(set(fields) - known)
            if unknown:
                raise ValueError(f"extra_applicants: Applicant has no {', '.join(unknown)}")
            i = len(self.applicants)
            ts = now - timedelta(seconds=rng.randint(600, 86400))
            applicant = self._new_applicant(i, ts, rng, with_email=False)
            applicant = dataclasses.replace(applicant, **fields)
            self.applicants[applicant.pk_applicant] = applicant

    def _unique_id_number(self, rng: random.Random, n: int) -> str:
        while True:
            number = _id_number(rng, n)
            if number not in self._used_id_numbers:
                self._used_id_numbers.add(number)
                return number

    def _add_person(self, person: Person) -> None:
        self.persons[person.pk_psndoc] = person
        self.person_by_id_number[person.id_number] = person.pk_psndoc
        self.person_by_bip_id[person.bip_id] = person.pk_psndoc

    def _next_number(self, table: str, size: int) -> int:
        """The number of a new record's key in `table` (of `size` records); never reused."""
        number = max(self._sequences.get(table, 0), size)
        self._sequences[table] = number + 1
        return number

    def next_serial(self) -> int:
        with self.lock:
            self._serial += 1
            return self._serial

    # -- reads ---------------------------------------------------------------------------------

    def changed_persons(
        self, since: datetime | None, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[Person], int]:
        """Persons with ts >= since (all when None), ordered by (ts, pk); and the total."""
        with self.lock:
            rows = _changed(self.persons.values(), since, lambda p: (p.ts, p.pk_psndoc))
        return _window(rows, offset, limit), len(rows)

    def changed_applicants(
        self, since: datetime | None, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[Applicant], int]:
        """Applicants with ts >= since, ordered by (ts, pk); and the total."""
        with self.lock:
            rows = _changed(self.applicants.values(), since, lambda a: (a.ts, a.pk_applicant))
        return _window(rows, offset, limit), len(rows)

    def find_person(
        self, *, id_number: str | None = None, mobile: str | None = None
    ) -> Person | None:
        """A person by id number, else by mobile (how a pre-hire is found again)."""
        with self.lock:
            if id_number and id_number in self.person_by_id_number:
                return self.persons[self.person_by_id_number[id_number]]
            if mobile:
                for person in self.persons.values():
                    if person.mobile == mobile:
                        return person
        return None

    # -- writes --------------------------------------------------------------------------------

    def create_person(self, **fields: Any) -> Person:
        """A new person (pre-hire) with fresh keys and ts = now.

        Raises ValueError when the id number is already on file (the faces turn that into
        their own per-record error).
        """
        with self.lock:
            if fields.get("id_number") in self.person_by_id_number:
                raise ValueError(f"id number already on file: {fields['id_number']}")
            n = self._next_number("persons", len(self.persons))
            person = Person(
                pk_psndoc=fields.pop("pk_psndoc", None) or f"1001A1100000{n:08d}",
                bip_id=fields.pop("bip_id", None) or str(1_900_000_000_000_000_000 + n),
                code=fields.pop("code", None) or f"E{100000 + n}",
                ts=self.clock(),
                **fields,
            )
            self._add_person(person)
            return person

    def upsert_result(self, bill_id: str, fields: dict[str, Any]) -> tuple[InterviewResult, bool]:
        """Store an interview result under the caller's bill id; True if it was new."""
        with self.lock:
            existing = self.results.get(bill_id)
            if existing is not None:
                existing.fields = dict(fields)
                existing.ts = self.clock()
                return existing, False
            result = InterviewResult(
                pk=f"1001A1100000IR{self._next_number('results', len(self.results)):06d}",
                bill_id=bill_id,
                fields=dict(fields),
                ts=self.clock(),
            )
            self.results[bill_id] = result
            return result, True

    def person_by_code(self, code: str) -> Person | None:
        with self.lock:
            return next((p for p in self.persons.values() if p.code == code), None)

    def upsert_checkin(
        self,
        bill_id: str,
        *,
        pk_psndoc: str,
        checktime: datetime,
        direction: str,
        machine: str | None,
    ) -> tuple[Checkin, bool]:
        """Store a check-in under the caller's bill id; True if it was new."""
        with self.lock:
            existing = self.checkins.get(bill_id)
            if existing is not None:
                pk = existing.pk
            else:
                pk = f"1001A1100000CK{self._next_number('checkins', len(self.checkins)):06d}"
            checkin = Checkin(pk, bill_id, pk_psndoc, checktime, direction, machine, self.clock())
            self.checkins[bill_id] = checkin
            return checkin, existing is None

    def insert_requisition(
        self, code: str, fields: dict[str, Any], posts: Iterable[dict[str, Any]]
    ) -> Requisition:
        """Raises ValueError when the code exists (Insert of a known code)."""
        with self.lock:
            if code in self.requisition_by_code:
                raise ValueError(f"code already exists: {code}")
            req = Requisition(
                id=str(
                    2_100_000_000_000_000_000
                    + self._next_number("requisitions", len(self.requisitions))
                ),
                code=code,
                fields=dict(fields),
                posts=[dict(p) for p in posts],
                pubts=self.clock(),
            )
            self.requisitions[req.id] = req
            self.requisition_by_code[code] = req.id
            return req

    def update_requisition(
        self, req_id: str, fields: dict[str, Any], posts: Iterable[dict[str, Any]] | None
    ) -> Requisition:
        """Raises KeyError when the id is unknown."""
        with self.lock:
            req = self.requisitions[req_id]
            if "code" in fields and fields["code"] != req.code:
                raise ValueError(f"code cannot change on update: {req.code} -> {fields['code']}")
            req.fields.update(fields)
            if posts is not None:
                req.posts = [dict(p) for p in posts]
            req.pubts = self.clock()
            return req


def _changed(rows: Iterable[Any], since: datetime | None, key: Callable[[Any], Any]) -> list[Any]:
    return sorted((r for r in rows if since is None or r.ts >= since), key=key)


def _window(rows: list[Any], offset: int, limit: int | None) -> list[Any]:
    return rows[offset : None if limit is None else offset + limit]


def _name(rng: random.Random) -> str:
    return rng.choice(_FAMILY) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _id_number(rng: random.Random, n: int) -> str:
    """An 18-character resident id with a valid ISO 7064 check character."""
    area = rng.choice(("110101", "310104", "330106", "440305", "510107"))
    born = date(1970, 1, 1) + timedelta(days=rng.randint(4000, 12000))
    body = f"{area}{born:%Y%m%d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]
