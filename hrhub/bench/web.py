"""web_status: 50 people watching the run status page of a ledger with 100,000 candidates.

Issue 11 asks for the status page's p95 response time under 50 concurrent viewers against a
ledger of 100,000 candidates, target under 300 ms.

What runs: a ledger seeded to the shape the flow leaves it in (below), and Airflow's real API
server with hrhub's plugin (`hrhub.deployment.airflow_api_server`: SimpleAuthManager, a fresh
SQLite metadata database, the deployment's default of one API worker), reading that ledger.
Every viewer signs in through Airflow (POST /auth/token with its user's password) and loads
/hrhub/status with the session cookie Airflow's login sets, as a browser would: 40 HR admins
(one login, a session each) and 10 recruiters (recruiter01..10, each their own requisitions,
so each has a scope of their own). The viewers are threads in this process, each with its own
HTTP connection, on the same two cores as the server.

Measured, in order:
- the page's aggregates computed in this process on the ledger (no server, no cache), for the
  HR admin's scope and a recruiter's (in the notes);
- one page at a time: every recruiter's first page and the HR admin's (nothing cached: the
  aggregates computed in the request), the HR admin's once they expired (shown while they are
  refreshed behind it) and from the cache;
- 50 viewers with a think time (a pause of 0.5-1.5 s, mean 1 s, after each page: people
  watching a dashboard), for DURATION seconds after WARMUP seconds;
- the same 50 viewers with no think time (each asks again as soon as its page arrives): the
  server's saturation point, for the reader to see how far the first row is from it.

Every request is timed from send to the last byte; a response other than 200 with the status
page's table in it is an error, counted and kept in the percentiles at the time it took.

The status page shares its aggregates (counts per stage, per system, charts) for 5 s per
scope (`hrhub.web.queries.TTLCache`), then shows them while one refresh runs behind the
viewers; a recruiter's requisitions are cached likewise. A load test measures that cache as
much as the queries, which is why the uncached pages are reported too.

The seeded ledger, built from canonical models (hrhub.models) and the real out-mappings so
every payload has its true shape, through the ledger's own bulk methods (commit_batch,
set_stage, enqueue_many, complete_many, dead_letter_many, hold_review, the audit chain):
- N candidates, one in four a Yonyou NC applicant, the rest SuccessFactors candidates; about
  1.5 applications each, over N/500 requisitions (at least 20) owned by 20 recruiters, spread
  over the flow's stages as a funnel leaves them;
- status writes to SuccessFactors for 20% of the applications, interview results (staged,
  and written to SuccessFactors or NC) for 2%: half landed within the last 24 hours, at spread
  times, some earlier, the rest still owed;
- dead letters (N/300, two in three open), results held for review (N/500), cursors per
  system, audit entries (N/25, hash-chained).
The ledger keeps no way to backdate what it stamps with the time of writing (staged records'
`updated_at`, writes' `created_at`, receipts' `written_at`, cursors' `updated_at`): after the
ledger's methods wrote them, one UPDATE per table spreads them over the past days, for
seeding only; nothing measured writes to the ledger.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hrhub.bench import Report, Result, ratio, result

TARGET_P95_MS = 300.0
VIEWERS = 50
HR_VIEWERS = 40  # the rest are recruiters, each their own requisitions
DURATION_SECONDS = 30.0
WARMUP_SECONDS = 5.0
# A run smaller than the documented one (`--scale` < 1) is a smoke run: its phases shorten
# in proportion, to no less than these.
MIN_DURATION_SECONDS = 3.0
MIN_WARMUP_SECONDS = 1.0
FULL_SCALE_CANDIDATES = 100_000


def phase_seconds(candidates: int) -> tuple[float, float]:
    """(measured seconds, warm-up seconds) of each load phase for a ledger of `candidates`:
    30 s and 5 s at 100,000 candidates, in proportion below, at least 3 s and 1 s."""
    share = min(1.0, candidates / FULL_SCALE_CANDIDATES)
    return (
        max(MIN_DURATION_SECONDS, DURATION_SECONDS * share),
        max(MIN_WARMUP_SECONDS, WARMUP_SECONDS * share),
    )


THINK_SECONDS = 1.0  # mean pause after each page: uniform in [0.5, 1.5] x this
UNCACHED_ROUNDS = 3
REQUEST_TIMEOUT = 60.0
PAGE_MARKER = 'id="stages"'  # the status page's table: a 200 without it is an error
HR_LOGIN = "hr_admin"
RECRUITERS = 20  # owners of the requisitions; viewers sign in as the first ones
YONYOU_EVERY = 4  # one candidate in four is a Yonyou NC applicant
BATCH = 20_000  # records per commit_batch / enqueue_many / complete_many call
POSTGRES_VARIABLE = "HRHUB_BENCH_WEB_POSTGRES"
# The flow's funnel: where applications stand on a working day (shares add up to 1).
FUNNEL = (
    ("extracted", 0.04),
    ("screened", 0.30),
    ("shortlisted", 0.06),
    ("scheduled", 0.03),
    ("invited", 0.04),
    ("interviewed", 0.02),
    ("scored", 0.03),
    ("in_review", 0.01),
    ("pushed", 0.09),
    ("hired", 0.02),
    ("rejected", 0.35),
    ("dead_letter", 0.01),
)
# The stages the SuccessFactors status mapping writes back.
STATUS_STAGES = frozenset(
    (
        "shortlisted",
        "scheduled",
        "invited",
        "interviewed",
        "scored",
        "in_review",
        "hired",
        "rejected",
    )
)
RESULT_STAGES = ("scored", "in_review", "pushed", "hired", "rejected")
Write = tuple[str, str, str, dict[str, Any]]  # target system, operation, canonical id, payload


def web_status(
    candidates: int = 100_000,
    *,
    report: Report,
    viewers: int = VIEWERS,
    duration: float | None = None,
    warmup: float | None = None,
    think: float = THINK_SECONDS,
    rounds: int = UNCACHED_ROUNDS,
) -> Result:
    """Seed a ledger of `candidates`, then `viewers` people load the status page through
    Airflow's API server for `duration` seconds, with and without a think time (default:
    `phase_seconds(candidates)`)."""
    scaled_duration, scaled_warmup = phase_seconds(candidates)
    duration = scaled_duration if duration is None else duration
    warmup = scaled_warmup if warmup is None else warmup
    from hrhub.web import WebSettings
    from hrhub.web.app import Web
    from hrhub.web.roles import RoleDirectory

    hr, recruiters = _viewer_mix(viewers)
    ttl = Web(WebSettings(roles=RoleDirectory({}))).cache.seconds
    postgres = os.environ.get(POSTGRES_VARIABLE, "")
    with (
        tempfile.TemporaryDirectory(prefix="hrhub-bench-web-") as folder,
        _ledger_url(Path(folder), postgres) as ledger_url,
    ):
        report(f"seeding a ledger with {candidates:,} candidates")
        seeded = seed_ledger(ledger_url, candidates)
        aggregates = time_aggregates(ledger_url, rounds)
        users = {HR_LOGIN: "op", **{login: "user" for login in recruiters}}
        report("starting Airflow's API server with hrhub's plugin")
        with _api_server(Path(folder) / "airflow", users, ledger_url) as deployment:
            workers = int(deployment.env.get("AIRFLOW__API__WORKERS", "1"))
            url = f"{deployment.api_url}/hrhub/status"
            report(f"signing in {viewers} viewers through Airflow")
            tokens = sign_in(deployment, [HR_LOGIN] * hr + recruiters)
            report("one page at a time: first, uncached and cached")
            single = single_pages(url, tokens, hr, ttl=ttl, rounds=rounds)
            report(f"{viewers} viewers, think time {think:g} s, {duration:g} s")
            paced = run_viewers(url, tokens, duration=duration, warmup=warmup, think=think)
            report(f"{viewers} viewers, no think time, {duration:g} s")
            flat = run_viewers(url, tokens, duration=duration, warmup=warmup, think=0.0)
    return _result(
        seeded,
        single,
        paced,
        flat,
        aggregates=aggregates,
        viewers=(hr, len(recruiters)),
        workers=workers,
        ttl=ttl,
        think=think,
        backend="postgresql" if postgres else "sqlite",
    )


def _viewer_mix(viewers: int) -> tuple[int, list[str]]:
    """HR admins and recruiter logins for `viewers` people: 4 in 5 HR admins, at least one
    of each, recruiters each signed in as another owner (cycling past RECRUITERS)."""
    hr = max(1, min(viewers - 1, round(viewers * HR_VIEWERS / VIEWERS)))
    return hr, [_recruiter(n % RECRUITERS) for n in range(max(1, viewers - hr))]


def _recruiter(n: int) -> str:
    return f"recruiter{n + 1:02d}"


# -- the ledger --------------------------------------------------------------------------------


@dataclass
class Seeded:
    """What seeding made, how long it took, and the ledger's size afterwards."""

    seconds: float
    steps: dict[str, float]
    rows: dict[str, int]
    stages: dict[str, int]
    candidates: int
    applications: int
    requisitions: int
    size_mb: float
    owned: dict[str, int] = field(default_factory=dict)  # recruiter -> applications in scope


@contextmanager
def _ledger_url(folder: Path, postgres_admin: str) -> Iterator[str]:
    """A SQLite file in `folder`, or a throwaway database on the PostgreSQL server whose
    admin URL `HRHUB_BENCH_WEB_POSTGRES` names (created here, dropped afterwards)."""
    if not postgres_admin:
        yield f"sqlite:///{folder / 'ledger.db'}"
        return
    from hrhub.production import pg_database

    with pg_database("bench_web", postgres_admin) as url:
        yield url


def seed_ledger(url: str, candidates: int) -> Seeded:
    """Fill an empty ledger at `url` (see the module doc); every step timed."""
    from hrhub.ledger import Ledger

    ledger = Ledger.open(url)
    try:
        if _table_rows(ledger)["ledger_staged_record"]:
            raise RuntimeError(f"the ledger at {url} is not empty; web_status seeds its own")
        start = time.perf_counter()
        world = World.build(candidates)
        steps = {"build models": time.perf_counter() - start}
        for name, step in (
            ("stage records", world.stage),
            ("set stages", world.set_stages),
            ("writes owed and landed", world.writes),
            ("dead letters", world.dead_letters),
            ("reviews held", world.reviews),
            ("audit log", world.audit),
            ("spread timestamps", world.spread_times),
        ):
            began = time.perf_counter()
            step(ledger)
            steps[name] = time.perf_counter() - began
        seconds = time.perf_counter() - start
        rows = _table_rows(ledger)
        return Seeded(
            seconds=seconds,
            steps=steps,
            rows=rows,
            stages=dict(Counter(world.stage_of.values())),
            candidates=candidates,
            applications=len(world.applications),
            requisitions=len(world.jobs),
            size_mb=_size_mb(ledger),
            owned={
                _recruiter(n): sum(
                    1
                    for app in world.applications
                    if _recruiter(n) in world.recruiters_of[app.job_id]
                )
                for n in range(RECRUITERS)
            },
        )
    finally:
        ledger.close()


@dataclass
class World:
    """The records seeded, built up front from canonical models (deterministic per N)."""

    jobs: list[Any]
    candidates: list[Any]
    applications: list[Any]
    stage_of: dict[str, str]
    recruiters_of: dict[str, list[str]]
    rng: random.Random
    now: datetime  # what "the last 24 hours" are counted back from
    landed: list[str] = field(default_factory=list)  # idempotency keys of writes landed
    owed: list[str] = field(default_factory=list)  # and of writes still owed

    @classmethod
    def build(cls, candidates: int) -> World:
        rng = random.Random(candidates)
        now = datetime.now(UTC).replace(microsecond=0)
        jobs = [_job(n, now) for n in range(max(20, min(200, candidates // 500)))]
        people = [_candidate(n, now) for n in range(candidates)]
        applications = []
        stages = [stage for stage, _ in FUNNEL]
        weights = [share for _, share in FUNNEL]
        by_system: dict[str, list[Any]] = {}
        for job in jobs:
            by_system.setdefault(job.source_system, []).append(job)
        for n, person in enumerate(people):
            for k in range(2 if n % 2 == 0 else 1):  # 1.5 applications a candidate
                choices = by_system[person.source_system]
                job = choices[(n * 7 + k * 13) % len(choices)]
                stage = rng.choices(stages, weights)[0]
                applications.append(_application(n, k, person, job, stage, rng, now))
        return cls(
            jobs=jobs,
            candidates=people,
            applications=applications,
            stage_of={a.canonical_id: a.stage.value for a in applications},
            recruiters_of={j.canonical_id: list(j.recruiter_ids) for j in jobs},
            rng=rng,
            now=now,
        )

    def stage(self, ledger: Any) -> None:
        """Jobs, candidates and applications through commit_batch, each stream's cursor with
        it, as the extract steps stage them."""
        from hrhub.ledger import StageInput

        streams = {
            ("successfactors", "JobRequisition"): [],
            ("yonyou", "jobs"): [],
            ("successfactors", "Candidate"): [],
            ("yonyou", "applicants"): [],
            ("successfactors", "JobApplication"): [],
            ("yonyou", "applications"): [],
        }
        kinds = {"job": ("JobRequisition", "jobs"), "candidate": ("Candidate", "applicants")}
        kinds["application"] = ("JobApplication", "applications")
        for record in (*self.jobs, *self.candidates, *self.applications):
            sf, nc = kinds[record.entity]
            stream = sf if record.source_system == "successfactors" else nc
            streams[(record.source_system, stream)].append(StageInput.of(record))
        for (system, stream), records in streams.items():
            watermark = max((r.modified_at for r in records), default=self.now).isoformat()
            for start in range(0, len(records), BATCH):
                ledger.commit_batch(
                    system,
                    stream,
                    records[start : start + BATCH],
                    watermark,
                    batch_id=f"bench-web-{stream}-{start // BATCH}",
                )
        ledger.commit_batch("interview_room", "sessions", [], self.now.isoformat(), batch_id="room")

    def set_stages(self, ledger: Any) -> None:
        by_stage: dict[str, list[str]] = {}
        for app, stage in self.stage_of.items():
            by_stage.setdefault(stage, []).append(app)
        for stage, ids in by_stage.items():
            ledger.set_stage(ids, stage)

    def writes(self, ledger: Any) -> None:
        """Status writes for 20% of the applications and interview results for 2%, through
        the real out-mappings: half landed in the last day, 30% earlier, 20% still owed."""
        from hrhub.ledger import StageInput
        from hrhub.mapping import load_mapping

        status = load_mapping("successfactors", "application_status", "out")
        writes: list[Write] = []
        sf_apps = [a for a in self.applications if a.source_system == "successfactors"]
        eligible = [a for a in sf_apps if a.stage.value in STATUS_STAGES]
        wanted = min(len(eligible), len(self.applications) // 5)
        for app in self.rng.sample(eligible, wanted):
            payload = status.apply(app.model_dump(mode="json"), record_id=app.canonical_id)
            writes.append(("successfactors", "application_status", app.canonical_id, payload))
        scored = (a for a in self.applications if a.stage.value in RESULT_STAGES)
        results = [
            _interview_result(a, n, self.rng, self.now)
            for n, a in enumerate(itertools.islice(scored, max(10, len(self.applications) // 50)))
        ]
        out = {
            "successfactors": load_mapping("successfactors", "interview_assessment", "out"),
            "yonyou": load_mapping("yonyou", "nc_interview_result", "out"),
        }
        operation = {"successfactors": "interview_assessment", "yonyou": "nc_interview_result"}
        for res in results:
            system = res.candidate_id.split(":", 1)[0]
            payload = out[system].apply(res.model_dump(mode="json"), record_id=res.canonical_id)
            writes.append((system, operation[system], res.canonical_id, payload))
        staged = [StageInput.of(r) for r in results]
        ledger.commit_batch("hrhub", "interview_result", staged, None, batch_id="bench-web-res")
        self._owe(ledger, writes, {**out, "status": status})

    def _owe(self, ledger: Any, writes: list[Write], mappings: dict[str, Any]) -> None:
        """Enqueue every write (enqueue_many per target and operation), then land 80% of
        them in random order (complete_many)."""
        version = {
            ("successfactors", "application_status"): mappings["status"].version,
            ("successfactors", "interview_assessment"): mappings["successfactors"].version,
            ("yonyou", "nc_interview_result"): mappings["yonyou"].version,
        }
        groups: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
        for system, operation, cid, payload in writes:
            groups.setdefault((system, operation), []).append((cid, payload))
        keys: list[str] = []
        for (system, operation), items in groups.items():
            for start in range(0, len(items), BATCH):
                chunk = items[start : start + BATCH]
                owed = ledger.enqueue_many(system, operation, chunk, version[(system, operation)])
                keys.extend(item.idempotency_key for item in owed)
        self.rng.shuffle(keys)
        landed = keys[: len(keys) * 8 // 10]
        for start in range(0, len(landed), BATCH):
            chunk = landed[start : start + BATCH]
            ledger.complete_many([(key, f"R{key[:10]}") for key in chunk])
        self.landed = landed
        self.owed = keys[len(landed) :]

    def dead_letters(self, ledger: Any) -> None:
        """N/300 records that could not go on, with the reasons the flow gives; one in three
        replayed since."""
        from hrhub.ledger.store import Letter

        count = max(10, min(1000, len(self.candidates) // 300))
        letters = []
        for n in range(count):
            person = self.candidates[(n * 97) % len(self.candidates)]
            kind = n % 3
            if kind == 0:
                letters.append(
                    Letter(
                        person.source_system,
                        "candidate",
                        person.canonical_id,
                        "field 'phones[0]': '138-12' is not a phone number",
                        {"cellPhone": "138-12", "candidateId": person.remote_id},
                        field="phones[0]",
                        error_class="DataContractError",
                    )
                )
            elif kind == 1:
                letters.append(
                    Letter(
                        "yonyou",
                        "nc_interview_result",
                        person.canonical_id,
                        "NC refused the result: 职位编码不存在 (job code unknown)",
                        {"pk_applicant": person.remote_id},
                        error_class="RecordRejected",
                    )
                )
            else:
                letters.append(
                    Letter(
                        "dingtalk",
                        "work_notification",
                        person.canonical_id,
                        "DingTalk: the user's daily message quota is used up (errcode 90018)",
                        {"userid_list": f"u{person.remote_id}"},
                        error_class="QuotaExceeded",
                    )
                )
        parked = ledger.dead_letter_many(letters)
        for letter in parked[::3]:
            ledger.mark_replayed(letter.id)

    def reviews(self, ledger: Any) -> None:
        """N/500 results held for a person, with the writes the real out-mappings make."""
        from hrhub.flow.review import hold_for_review
        from hrhub.mapping import load_mapping

        out = {
            "successfactors": (
                "interview_assessment",
                load_mapping("successfactors", "interview_assessment", "out"),
            ),
            "yonyou": ("nc_interview_result", load_mapping("yonyou", "nc_interview_result", "out")),
        }
        held = [a for a in self.applications if a.stage.value == "in_review"]
        for n, app in enumerate(held[: max(3, min(500, len(self.candidates) // 500))]):
            res = _interview_result(app, 1_000_000 + n, self.rng, self.now, review=True)
            operation, mapping = out[app.source_system]
            payload = mapping.apply(res.model_dump(mode="json"), record_id=res.canonical_id)
            write = (app.source_system, operation, res.canonical_id, payload, mapping.version)
            hold_for_review(ledger, res, payloads=[write])

    def audit(self, ledger: Any) -> None:
        """N/25 hash-chained audit entries in one transaction (the chain's own append)."""
        from sqlmodel import Session

        from hrhub.ledger.audit import append_entry, lock_for_append

        count = max(50, min(10_000, len(self.candidates) // 25))
        actions = (
            ("hr_admin", "dead_letter.replayed"),
            ("manager", "review.approved"),
            ("auditor", "mapping.approved"),
            ("anonymous", "web.refused"),
            ("hrhub.reconcile", "write.reopened"),
        )
        start = self.now - timedelta(days=30)
        step = timedelta(days=30) / count
        key = ledger._audit_keys()[0]  # seeded entries are sealed like the ledger's own
        with Session(ledger.engine) as session, session.begin():
            lock_for_append(session)
            for n in range(count):
                actor, action = actions[n % len(actions)]
                app = self.applications[(n * 31) % len(self.applications)]
                append_entry(
                    session,
                    at=start + step * n,
                    actor=actor,
                    action=action,
                    subject=app.canonical_id,
                    data={"stage": app.stage.value, "n": n},
                    key=key,
                )

    def spread_times(self, ledger: Any) -> None:
        """Backdate what the ledger stamped with the time of writing (seeding only): staged
        records over the past week, landed writes half in the last day and the rest over the
        week before, owed ones over the last hours, cursors a few minutes back."""
        from sqlalchemy import bindparam, update
        from sqlmodel import Session, col

        from hrhub.ledger import Cursor, OutboxItem, Receipt, StagedRecord

        rng = self.rng
        week = 7 * 86400
        staged = [
            {"k": r.canonical_id, "t": self.now - timedelta(seconds=rng.uniform(60, week))}
            for r in (*self.jobs, *self.candidates, *self.applications)
        ]
        written, created = [], []
        for n, key in enumerate(self.landed):
            ago = rng.uniform(60, 86_340) if n % 8 < 5 else rng.uniform(86_400, week)
            at = self.now - timedelta(seconds=ago)
            took = timedelta(seconds=rng.lognormvariate(3.0, 1.2))  # seconds to minutes
            written.append({"k": key, "t": at})
            created.append({"k": key, "t": at - took})
        for key in self.owed:
            created.append({"k": key, "t": self.now - timedelta(seconds=rng.uniform(60, 6 * 3600))})
        lags = {"successfactors": 4, "yonyou": 17, "interview_room": 1}  # minutes
        with Session(ledger.engine) as session, session.begin():
            for table, column, key, rows in (
                (StagedRecord, "updated_at", StagedRecord.canonical_id, staged),
                (Receipt, "written_at", Receipt.idempotency_key, written),
                (OutboxItem, "created_at", OutboxItem.idempotency_key, created),
                (OutboxItem, "updated_at", OutboxItem.idempotency_key, written),
            ):
                stmt = (
                    update(table)
                    .where(col(key) == bindparam("k"))
                    .values({column: bindparam("t")})
                    .execution_options(synchronize_session=False)
                )
                for start in range(0, len(rows), BATCH):
                    session.connection().execute(stmt, rows[start : start + BATCH])
            for system, minutes in lags.items():
                session.connection().execute(
                    update(Cursor)
                    .where(col(Cursor.system) == system)
                    .values(updated_at=self.now - timedelta(minutes=minutes))
                )


def _table_rows(ledger: Any) -> dict[str, int]:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from hrhub.ledger.tables import LEDGER_TABLES

    with Session(ledger.engine) as session:
        return {
            table.__tablename__: int(
                session.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in LEDGER_TABLES
        }


def _size_mb(ledger: Any) -> float:
    """The ledger database's size on disk (SQLite file and its WAL; PostgreSQL's database)."""
    from sqlalchemy import text

    if ledger.backend == "postgresql":
        with ledger.engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return int(size) / 2**20
    database = Path(ledger.engine.url.database or "")
    return sum(p.stat().st_size for p in database.parent.glob(f"{database.name}*")) / 2**20


FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛")
CITIES = ("上海", "北京", "深圳", "杭州", "成都", "广州", "南京", "武汉")
TITLES = ("数据工程师", "销售代表", "客服专员", "财务分析师", "产品经理", "测试工程师")
CHANNELS = ("career_site", "referral", "campus", "agency", "liepin", "boss_zhipin")


def _job(n: int, now: datetime) -> Any:
    """Requisition n: one in four from Yonyou NC, owned by one recruiter (one in five by two)."""
    from hrhub.models import Job

    system = "yonyou" if n % YONYOU_EVERY == YONYOU_EVERY - 1 else "successfactors"
    owners = [_recruiter(n % RECRUITERS)]
    if n % 5 == 0:
        owners.append(_recruiter((n + 7) % RECRUITERS))
    return Job(
        source_system=system,
        remote_id=str(3000 + n),
        modified_at=now - timedelta(days=60 - n % 50),
        title=f"{TITLES[n % len(TITLES)]} {n:03d}",
        code=f"REQ-{3000 + n}",
        department=f"D{n % 12:02d}",
        location=CITIES[n % len(CITIES)],
        hiring_manager_ids=[f"manager{n % 30:02d}"],
        recruiter_ids=owners,
        required_skills=["SQL", "Python", "沟通"][: 1 + n % 3],
        min_years_experience=float(n % 6),
    )


def _candidate(n: int, now: datetime) -> Any:
    """Candidate n with the personal data a source gives (name, email, phone)."""
    from hrhub.models import Candidate

    system = "yonyou" if n % YONYOU_EVERY == YONYOU_EVERY - 1 else "successfactors"
    family = FAMILY[n % len(FAMILY)]
    given = GIVEN[(n // len(FAMILY)) % len(GIVEN)] + GIVEN[(n // 7) % len(GIVEN)]
    return Candidate(
        source_system=system,
        remote_id=str(500_000 + n),
        modified_at=now - timedelta(minutes=n % 40_000),
        name=family + given,
        family_name=family,
        given_name=given,
        emails=[f"cand{n}@example.cn"],
        phones=[f"+86138{n:08d}"],
        location=CITIES[n % len(CITIES)],
        current_company=f"公司{n % 997}",
        current_title=TITLES[n % len(TITLES)],
        resume_ref=f"attachment:{800_000 + n}",
        tags=["campus"] if n % 9 == 0 else [],
    )


def _application(
    n: int, k: int, person: Any, job: Any, stage: str, rng: random.Random, now: datetime
) -> Any:
    from hrhub.models import Application

    applied = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 60))
    return Application(
        source_system=person.source_system,
        remote_id=str(2_000_000 + n * 2 + k),
        modified_at=applied + timedelta(minutes=rng.randrange(0, 600)),
        candidate_id=person.canonical_id,
        job_id=job.canonical_id,
        applied_at=applied,
        stage=stage,
        remote_status="In Review" if stage not in ("rejected", "hired") else stage.title(),
        source_channel=CHANNELS[n % len(CHANNELS)],
        rejected_at=applied + timedelta(days=3) if stage == "rejected" else None,
        reject_reason="岗位要求不匹配" if stage == "rejected" else None,
    )


def _interview_result(
    app: Any, n: int, rng: random.Random, now: datetime, *, review: bool = False
) -> Any:
    """An interview result for `app` as scoring writes it: a pass goes straight out, a
    reject is held for a person (`review`), as the default review policy has it."""
    from hrhub.models import InterviewResult

    score = round(rng.uniform(35, 59) if review else rng.uniform(60, 95), 1)
    return InterviewResult(
        source_system="hrhub",
        remote_id=f"iv-{n}",
        modified_at=now - timedelta(hours=rng.uniform(1, 100)),
        interview_id=f"{app.source_system}:interview:{9_000_000 + n}",
        application_id=app.canonical_id,
        candidate_id=app.candidate_id,
        overall_score=score,
        recommendation="NO" if review else "YES",
        human_review=review,
        review_reasons=["reject: the review policy sends every reject to a person"]
        if review
        else [],
        explanation="Answers lacked a result." if review else "Answers were specific.",
        rubric_version="sales-2026.1",
        model_version="m1",
        scored_at=now - timedelta(hours=rng.uniform(1, 100)),
    )


# -- the server and its viewers ----------------------------------------------------------------


@contextmanager
def _api_server(home: Path, users: dict[str, str], ledger_url: str) -> Iterator[Any]:
    """Airflow's API server with hrhub's plugin, reading the seeded ledger; hrhub's role
    directory names the HR admin and each recruiter with their own requisitions."""
    from hrhub.deployment import airflow_api_server

    roles = ",".join(
        f"{login}:hr_admin" if login == HR_LOGIN else f"{login}:recruiter:{login}"
        for login in users
    )
    extra = {"HRHUB_DATABASE_URL": ledger_url, "AIRFLOW__HRHUB_WEB__ROLES": roles}
    quiet = logging.getLogger("hrhub")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with airflow_api_server(home, users, extra) as deployment:
            yield deployment
    finally:
        quiet.setLevel(level)


def sign_in(deployment: Any, logins: Sequence[str]) -> list[str]:
    """A session token per viewer: each signs in with its user's password (POST /auth/token,
    what Airflow's login form does)."""
    import requests

    passwords = deployment.passwords()
    tokens = []
    with requests.Session() as session:
        for login in logins:
            response = session.post(
                f"{deployment.api_url}/auth/token",
                json={"username": login, "password": passwords[login]},
                timeout=REQUEST_TIMEOUT,
            )
            response.raise_for_status()
            tokens.append(response.json()["access_token"])
    return tokens


@dataclass
class Sample:
    """One page load: when it was sent (monotonic), how long it took, what came back."""

    sent: float
    seconds: float
    status: int | None  # None: no response (connection error, timeout)
    ok: bool


def fetch(session: Any, url: str) -> Sample:
    """GET the status page once, timed from send to the last byte."""
    import requests

    sent = time.monotonic()
    try:
        response = session.get(url, timeout=REQUEST_TIMEOUT)
        body = response.text
    except requests.RequestException:
        return Sample(sent, time.monotonic() - sent, None, False)
    status = response.status_code
    return Sample(sent, time.monotonic() - sent, status, status == 200 and PAGE_MARKER in body)


def _session(token: str) -> Any:
    import requests

    session = requests.Session()
    session.cookies.set("_token", token)
    return session


@dataclass
class Single:
    """Pages loaded one at a time, nothing else running."""

    recruiters: list[Sample]  # each recruiter's first page (the very first opened the ledger)
    hr: Sample  # the HR admin's first page
    refreshing: list[Sample]  # the HR admin's page once its aggregates expired
    cached: list[Sample]  # the HR admin's page again, at once


def single_pages(url: str, tokens: Sequence[str], hr: int, *, ttl: float, rounds: int) -> Single:
    """Every recruiter's first page, the HR admin's first page (each computes its scope's
    aggregates in the request), then `rounds` times: wait out the cache, load the HR admin's
    page (the expired aggregates, refreshed behind it), and three more at once."""
    recruiters = []
    for token in tokens[hr:]:
        with _session(token) as session:
            recruiters.append(fetch(session, url))
    refreshing: list[Sample] = []
    cached: list[Sample] = []
    with _session(tokens[0]) as session:
        first = fetch(session, url)
        for _ in range(rounds):
            time.sleep(ttl + 0.5)
            refreshing.append(fetch(session, url))
            cached.extend(fetch(session, url) for _ in range(3))
    return Single(recruiters, first, refreshing, cached)


def time_aggregates(ledger_url: str, rounds: int) -> dict[str, list[float]]:
    """Seconds the status page's aggregates take, computed here on the ledger (no server,
    no cache), `rounds` times for the HR admin's scope and recruiter01's."""
    from hrhub.ledger import Ledger
    from hrhub.web.pages.status import status_aggregates
    from hrhub.web.queries import EVERYTHING, Scope, owned_jobs

    ledger = Ledger(ledger_url)
    try:
        owner = _recruiter(0)
        scopes = {"hr_admin": EVERYTHING, "recruiter": Scope(owned_jobs(ledger, owner), owner)}
        timings: dict[str, list[float]] = {scope: [] for scope in scopes}
        for _ in range(max(1, rounds)):
            for name, scope in scopes.items():
                began = time.perf_counter()
                status_aggregates(ledger, scope)
                timings[name].append(time.perf_counter() - began)
        return timings
    finally:
        ledger.close()


@dataclass
class Phase:
    """Every page load of one load phase that was sent inside its measured window."""

    samples: list[Sample]
    seconds: float
    think: float
    viewers: int
    load: tuple[float, float]


def run_viewers(
    url: str, tokens: Sequence[str], *, duration: float, warmup: float, think: float
) -> Phase:
    """Each token a viewer in its own thread and connection, loading the page, pausing a
    think time (uniform in [0.5, 1.5] x `think`) and loading it again; the pages sent in the
    `duration` seconds after `warmup` are kept."""
    start = time.monotonic() + 0.5
    opens, closes = start + warmup, start + warmup + duration
    samples: list[Sample] = []
    lock = threading.Lock()

    def viewer(n: int, token: str) -> None:
        rng = random.Random(n)
        session = _session(token)
        at = start + (rng.uniform(0, think) if think else 0.0)
        try:
            while True:
                pause = at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                if time.monotonic() >= closes:
                    return
                sample = fetch(session, url)
                if sample.sent >= opens:
                    with lock:
                        samples.append(sample)
                at = time.monotonic() + (rng.uniform(0.5, 1.5) * think if think else 0.0)
        finally:
            session.close()

    load_before = os.getloadavg()[0]
    threads = [
        threading.Thread(target=viewer, args=(n, token), name=f"viewer-{n}", daemon=True)
        for n, token in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + duration + 2 * REQUEST_TIMEOUT)
    return Phase(samples, duration, think, len(tokens), (load_before, os.getloadavg()[0]))


# -- the numbers -------------------------------------------------------------------------------


def _ms(samples: Sequence[Sample], share: float) -> float:
    from hrhub.bench.latency import percentile

    return percentile([s.seconds for s in samples], share) * 1000


def _row(contender: str, label: str, samples: Sequence[Sample], seconds: float) -> Result:
    """One measure: pages, errors, pages per second and the latency percentiles (ms)."""
    if not samples:
        raise RuntimeError(f"{contender}: no page was loaded")
    return {
        "contender": contender,
        "label": label,
        "rows": len(samples),
        "seconds": seconds,
        "errors": sum(1 for s in samples if not s.ok),
        "pages_per_s": len(samples) / seconds,
        "p50_ms": _ms(samples, 0.5),
        "p95_ms": _ms(samples, 0.95),
        "p99_ms": _ms(samples, 0.99),
        "max_ms": _ms(samples, 1.0),
    }


def _single_row(contender: str, label: str, samples: Sequence[Sample]) -> Result:
    return _row(contender, label, samples, sum(s.seconds for s in samples))


def _result(
    seeded: Seeded,
    single: Single,
    paced: Phase,
    flat: Phase,
    *,
    aggregates: dict[str, list[float]],
    viewers: tuple[int, int],
    workers: int,
    ttl: float,
    think: float,
    backend: str,
) -> Result:
    hr, recruiters = viewers
    total = hr + recruiters
    paced_row = _row(
        "viewers",
        f"{total} viewers, {think:g} s think time, {paced.seconds:g} s",
        paced.samples,
        paced.seconds,
    )
    flat_row = _row(
        "no-think",
        f"{total} viewers, no think time, {flat.seconds:g} s",
        flat.samples,
        flat.seconds,
    )
    target = {
        "contender": "target",
        "label": f"issue 11: p95 under {TARGET_P95_MS:.0f} ms",
        "rows": paced_row["rows"],
        "seconds": paced_row["seconds"],
        "errors": None,
        "pages_per_s": None,
        "p50_ms": None,
        "p95_ms": TARGET_P95_MS,
        "p99_ms": None,
        "max_ms": None,
    }
    rows = [
        _single_row(
            "uncached-recruiter",
            "recruiters' first pages (uncached)",
            single.recruiters,
        ),
        _single_row(
            "uncached-hr",
            "HR admin's first page (uncached)",
            [single.hr],
        ),
        _single_row(
            "expired-hr",
            "HR admin, cache expired (refresh behind)",
            single.refreshing,
        ),
        _single_row("cached-hr", "HR admin, cached", single.cached),
        paced_row,
        flat_row,
        target,
    ]
    ratios = [{**ratio(target, paced_row, metric="p95_ms", threshold=1.0), "name": "target/p95"}]
    done = result(
        "web_status",
        title=(
            f"status page, {total} concurrent viewers, ledger of {seeded.candidates:,} "
            f"candidates ({backend})"
        ),
        contenders=rows,
        ratios=ratios,
        columns=[
            ("label", "measure"),
            ("rows", "pages"),
            ("errors", "errors"),
            ("pages_per_s", "pages/s"),
            ("p50_ms", "p50 ms"),
            ("p95_ms", "p95 ms"),
            ("p99_ms", "p99 ms"),
            ("max_ms", "max ms"),
        ],
        params={
            "candidates": seeded.candidates,
            "applications": seeded.applications,
            "requisitions": seeded.requisitions,
            "viewers": total,
            "hr_admin_viewers": hr,
            "recruiter_viewers": recruiters,
            "think_seconds": think,
            "duration_seconds": paced.seconds,
            "api_workers": workers,
            "cache_seconds": ttl,
            "backend": backend,
            "seed_seconds": round(seeded.seconds, 2),
            "ledger_mb": round(seeded.size_mb, 1),
            "stages": seeded.stages,
        },
        source={
            **seeded.rows,
            "paced_errors": paced_row["errors"],
            "no_think_errors": flat_row["errors"],
        },
        notes=_notes(
            seeded,
            single,
            paced,
            flat,
            aggregates=aggregates,
            workers=workers,
            ttl=ttl,
            viewers=viewers,
        ),
    )
    if paced_row["errors"]:
        done["ratios"][0]["verdict"] += f"; {paced_row['errors']:,} errors"
    done["errors"] = paced_row["errors"] + flat_row["errors"]
    return done


def _notes(
    seeded: Seeded,
    single: Single,
    paced: Phase,
    flat: Phase,
    *,
    aggregates: dict[str, list[float]],
    workers: int,
    ttl: float,
    viewers: tuple[int, int],
) -> list[str]:
    hr, recruiters = viewers
    rows = seeded.rows
    statuses = Counter(
        s.status if s.ok else f"{s.status or 'no response'} (error)"
        for s in (*paced.samples, *flat.samples)
    )
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in seeded.steps.items())
    owned = seeded.owned.get(_recruiter(0), 0)
    saturated = _ms(flat.samples, 0.95)
    return [
        f"seeding took {seeded.seconds:.1f} s ({steps}); the ledger holds "
        f"{rows['ledger_staged_record']:,} staged records ({seeded.candidates:,} candidates, "
        f"{seeded.applications:,} applications, {seeded.requisitions} requisitions, interview "
        f"results), {rows['ledger_outbox']:,} writes owed or made, {rows['ledger_receipt']:,} "
        f"receipts, {rows['ledger_dead_letter']:,} dead letters, {rows['ledger_review']:,} "
        f"reviews held, {rows['ledger_audit']:,} audit entries, {rows['ledger_cursor']} "
        f"cursors: {seeded.size_mb:,.0f} MB",
        f"viewers: {hr} HR admins (every requisition) and {recruiters} recruiters, each signed "
        f"in as their own owner (recruiter01 sees {owned:,} applications); each viewer its own "
        "session token from POST /auth/token and its own connection, threads in the "
        "benchmark's process on the same machine",
        f"the target reads 50 concurrent viewers as people watching the dashboard: each "
        f"pauses {paced.think:g} s on average (uniform 0.5-1.5x) after each page; with no "
        f"think time they keep {flat.viewers} requests in flight, "
        f"{len(flat.samples) / flat.seconds:,.0f} pages/s at p95 {saturated:,.0f} ms "
        f"({'under' if saturated < TARGET_P95_MS else 'over'} {TARGET_P95_MS:.0f} ms): the "
        "server's saturation point, reported, not the target",
        f"the API server ran {workers} worker (the deployment's AIRFLOW__API__WORKERS); "
        "SimpleAuthManager checks each request's token (signature, and the metadata "
        "database's revoked-token table)",
        f"the status page's aggregates are shared {ttl:g} s per scope (one scope for every HR "
        f"admin, one per recruiter: {1 + recruiters} during the load), so under load most "
        "pages render from the cache; once a scope's aggregates expire, its next page shows "
        "them and starts one refresh behind it (no viewer waits for the queries, the data "
        f"is at most {ttl:g} s plus one refresh old); the uncached rows are the queries' "
        "cost in the request, one page at a time",
        f"the server's first page (recruiter01's: the ledger opened, templates compiled) took "
        f"{single.recruiters[0].seconds * 1000:,.0f} ms; computed here on the ledger without "
        "server or cache, the aggregates took "
        + ", ".join(
            f"{min(values) * 1000:,.0f}-{max(values) * 1000:,.0f} ms for the "
            f"{scope.replace('_', ' ')}'s scope"
            for scope, values in aggregates.items()
        ),
        f"responses: {dict(statuses)}; an error is any response but a 200 carrying the status "
        "table, and stays in the percentiles at the time it took",
        f"load average {paced.load[0]:.1f} before and {paced.load[1]:.1f} after the think-time "
        f"phase, {flat.load[1]:.1f} after the no-think phase (2 cores, shared with the "
        "viewers' threads and whatever else runs on the machine)",
    ]
