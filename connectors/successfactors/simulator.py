"""A local SAP SuccessFactors Recruiting OData v2 server: the SF tenant hrhub syncs with.

It reproduces what the dossier (hr-system-apis.md §1, checklist §1.12) records of the real
API, so the connector and SAP's own pyodata client work against it as against a tenant:

- `/odata/v2/$metadata` from the shared model (edm.py / metadata.py), entity sets with
  `$filter $select $expand $orderby $top $skip $inlinecount $count`, `(key)` addressing and
  navigation, SAP's verbose JSON envelope (`d`, `results`, `__metadata`, `__deferred`,
  `/Date(ms)/`, Int64 as strings);
- server-side paging: at most 1000 rows a page (`customPageSize`), `__next` with an opaque
  `$skiptoken`, `paging=snapshot` that freezes the row list at the first page;
- writes: POST create, MERGE (`X-HTTP-Method: MERGE`, MERGE or PATCH), `upsert` (always 200
  with a result per record; > 1000 records refused) and `$batch` with atomic changesets;
- SAP's validation: required, max length, unknown property, picklists, not creatable /
  updatable, status moves only through `appStatusSetItemId` with an audit trail;
- auth: Basic `user@company` (LGN0010 when disabled) and the OAuth 2.0 SAML bearer flow
  (`/oauth/token`, `/oauth/validate`, LGN0006/LGN0007 on bad tokens);
- who owns each requisition: JobRequisition's `recruiter` and `hiringManager` navigations, to-many
  lists of `JobRequisitionOperator` rows (deferred unless `$expand`ed, as any navigation);
- resumes as SAP keeps them, Foundation `Attachment`s: `JobApplication(<id>L)/resume` (also
  `JobApplication(applicationId=<id>L)/resume`) answers the attachment with its bytes base64
  in `fileContent`, or SAP's 404 when the application has none; a JobApplication read with
  `$expand=resume` carries the same attachment inline, or `"resume": null`;
- SAP's error JSON on 4xx/5xx, a `sap-message` header on a 200 that stored truncated data,
  and the base's fault knobs (429 + Retry-After, 503 maintenance, drops, duplicates...).

Every write bumps `lastModifiedDateTime` of the record and of its parents (a comment bumps
its JobApplication, an education row its Candidate). That is the effective-dating caveat the
dossier describes (§1.5): an incremental read returns records whose own fields did not change.

Seed data is deterministic by `seed` (times relative to `as_of`) and fast: 100,000 candidates
seed in a few seconds. Resumes are deterministic by `seed` and application id, and some are
bad input on purpose (see the class docstring).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import math
import random
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from connectors._core.simulator import (
    Abort,
    BadJSON,
    FaultSpec,
    Request,
    Response,
    SimulatorServer,
    route,
)
from connectors.successfactors import multipart, saml
from connectors.successfactors.edm import (
    APPLICATION_STATUS_CODES,
    ENTITY_SETS,
    OPERATOR_ROLES,
    PICKLISTS,
    EntitySetDef,
    Nav,
    Prop,
)
from connectors.successfactors.metadata import render_metadata
from connectors.successfactors.odata_query import (
    BAD_REQUEST as BAD,
)
from connectors.successfactors.odata_query import (
    ODataError,
    decode_skiptoken,
    encode_skiptoken,
    from_json,
    parse_count,
    parse_expand,
    parse_filter,
    parse_key,
    parse_orderby,
    parse_select,
    query_fingerprint,
    sort_records,
    to_json,
)

__all__ = ["SuccessFactorsSimulator"]

API = "/odata/v2"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:saml2-bearer"
TOKEN_LIFETIME_S = 86_400  # SAP: about 24 h (dossier §1.8, unconfirmed)
MAX_PAGE_SIZE = 1000
UPSERT_MAX = 1000
SNAPSHOT_TOKENS_KEPT = 4096
JSON_TYPE = "application/json;charset=utf-8"

# String lengths: the RCM EDMX gives no MaxLength for the properties modelled, so the
# simulator applies SF's usual field sizes: 255 for text fields, 4000 for text areas.
DEFAULT_MAX_LENGTH = 255
LONG_TEXT: dict[tuple[str, str], int] = {
    ("JobApplicationComments", "content"): 32_000,
    ("JobApplication", "statusComments"): 4000,
    ("JobApplicationInterview", "notes"): 4000,
    ("InterviewOverallAssessment", "comments"): 4000,
    ("InterviewIndividualAssessment", "comments"): 4000,
}
# A comment longer than this is stored cut to it and the 200 carries a `sap-message`
# (severity "error": the record landed but not intact, an integration must know).
COMMENT_SOFT_LIMIT = 4000

# Sets whose documented key does not identify a row: SAP's EDMX keys JobApplicationStatus by
# appStatusSetId (shared by every status of a set) and the labels by appStatusId (one per
# locale). The simulator stores them under a wider key; `Set(key)` returns the first row.
STORAGE_KEYS: dict[str, tuple[str, ...]] = {
    "JobApplicationStatus": ("appStatusSetId", "appStatusId"),
    "JobApplicationStatusLabel": ("appStatusId", "locale"),
    # SAP keys operators by (jobReqId, operatorRole); a role may hold several people.
    "JobRequisitionOperator": ("jobReqId", "operatorRole", "userName"),
}
# child set -> (child column, parent set, parent key): whose lastModifiedDateTime a write
# to the child bumps as well.
PARENTS: dict[str, tuple[str, str, str]] = {
    "JobApplicationComments": ("applicationId", "JobApplication", "applicationId"),
    "JobApplicationStatusAuditTrail": ("applicationId", "JobApplication", "applicationId"),
    "JobApplicationAssessmentOrder": ("applicationId", "JobApplication", "applicationId"),
    "JobApplicationAssessmentReport": ("orderId", "JobApplicationAssessmentOrder", "id"),
    "JobApplicationInterview": ("applicationId", "JobApplication", "applicationId"),
    "InterviewOverallAssessment": (
        "interviewRefId",
        "JobApplicationInterview",
        "applicationInterviewId",
    ),
    "InterviewIndividualAssessment": (
        "refId",
        "InterviewOverallAssessment",
        "interviewOverallAssessmentId",
    ),
    "CandidateBackground_Education": ("candidateId", "Candidate", "candidateId"),
    "CandidateBackground_OutsideWorkExperience": ("candidateId", "Candidate", "candidateId"),
}
# Columns that must name an existing record: (set, column) -> (target set, target column).
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("JobApplication", "candidateId"): ("Candidate", "candidateId"),
    ("JobApplication", "jobReqId"): ("JobRequisition", "jobReqId"),
    **{(child, col): (parent, key) for child, (col, parent, key) in PARENTS.items()},
}

# Resumes (Foundation `Attachment`, reached through JobApplication/resume): the share of
# applications that have none, and of those whose file a text parser cannot read.
RESUME_MISSING_SHARE = 0.02
RESUME_UNREADABLE_SHARE = 0.01
ATTACHMENT_ID_BASE = 500_000  # attachment ids live in their own sequence, apart from app ids
# Sets of the model served only inline, through a computed navigation (edm.Nav.computed):
# their records are built from the record that owns them, not stored, so the set's own URL
# is refused rather than answered empty.
INLINE_ONLY_SETS = frozenset({"Attachment"})

# -- seed vocabulary ---------------------------------------------------------------------------

STATUS_STEPS = [
    # (name, en_US label, zh_CN label, candidate label en, candidate label zh, seed weight)
    ("Applied", "Applied", "已申请", "Application received", "已收到申请", 45),
    ("Screened", "Screened", "初筛通过", "Under review", "审核中", 20),
    ("Interview", "Interview", "面试", "Interview", "面试中", 15),
    ("Offer", "Offer", "录用意向", "Offer", "录用意向", 5),
    ("Hired", "Hired", "已录用", "Hired", "已录用", 3),
    ("Rejected", "Rejected", "未通过", "Not selected", "未通过", 12),
]
STATUS_SETS = 3  # one status set per requisition template
SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"),
    ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("韩", "han"),
    ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"),
    ("欧阳", "ouyang"), ("司马", "sima"),
]  # fmt: skip
GIVEN_NAMES = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"),
    ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"),
    ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"), ("浩然", "haoran"),
    ("子涵", "zihan"), ("雨萱", "yuxuan"), ("思远", "siyuan"), ("嘉怡", "jiayi"),
    ("欣怡", "xinyi"), ("梓轩", "zixuan"), ("一鸣", "yiming"), ("晓东", "xiaodong"),
]  # fmt: skip
ENGLISH_FIRST = ["David", "Emily", "Michael", "Sarah", "James", "Olivia", "Daniel", "Grace"]
ENGLISH_LAST = ["Miller", "Clark", "Brown", "Lee", "Tan", "Wong", "Smith", "Taylor"]
CN_CITIES = ["上海", "北京", "深圳", "广州", "杭州", "成都", "南京", "武汉", "苏州", "西安"]
ABROAD = [("SG", "Singapore", "+65 9"), ("HK", "Hong Kong", "+852 6"), ("US", "San Jose", "+1 408")]
CN_MOBILE_PREFIXES = ["138", "139", "136", "137", "150", "158", "186", "188", "135", "131"]
EMAIL_DOMAINS = ["163.com", "qq.com", "126.com", "gmail.com", "outlook.com"]
JOBS = [
    ("Java开发工程师", "研发部", ["Java", "Spring Boot", "MySQL", "Redis", "Kafka", "微服务"]),
    ("高级前端工程师", "研发部", ["TypeScript", "React", "Vue", "Webpack", "Node.js"]),
    ("算法工程师", "研发部", ["Python", "PyTorch", "机器学习", "NLP", "推荐系统"]),
    ("数据分析师", "数据部", ["SQL", "Python", "Tableau", "统计学", "A/B测试"]),
    ("测试工程师", "质量部", ["Selenium", "JMeter", "自动化测试", "Python"]),
    ("HR Business Partner", "人力资源部", ["Employee Relations", "Talent Review", "劳动法"]),
    ("招聘专员", "人力资源部", ["校园招聘", "社会招聘", "面试评估", "SuccessFactors"]),
    ("财务会计", "财务部", ["CPA", "用友U8", "税务申报", "Excel"]),
    ("销售经理", "销售部", ["大客户销售", "CRM", "商务谈判", "渠道拓展"]),
    ("Product Manager", "产品部", ["Roadmapping", "User Research", "Axure", "SQL"]),
]
SCHOOLS = [
    "清华大学", "北京大学", "复旦大学", "上海交通大学", "浙江大学", "南京大学",
    "武汉大学", "中山大学", "华中科技大学", "同济大学", "电子科技大学",
    "National University of Singapore", "University of Manchester",
]  # fmt: skip
MAJORS = ["计算机科学与技术", "软件工程", "统计学", "人力资源管理", "会计学", "市场营销"]
DEGREES = ["Bachelor", "Bachelor", "Bachelor", "Master", "Master", "Doctorate", "Associate"]
EMPLOYERS = [
    "阿里巴巴", "腾讯", "字节跳动", "华为", "美团", "京东", "百度", "网易", "小米",
    "平安科技", "招商银行", "携程", "Accenture", "IBM中国", "SAP中国",
]  # fmt: skip
SOURCES = ["Career Site", "LinkedIn", "BOSS直聘", "猎聘", "Employee Referral", "智联招聘"]
# The tenant's users who own requisitions: (userName, firstName, lastName, email, phone).
# recruiter01 also signs the seed's audit trail and comments (createdBy, commentator).
RECRUITERS = [
    ("recruiter01", "娜", "李", "li.na@corp.example.cn", "+86 21 6080 1001"),
    ("recruiter02", "伟", "王", "wang.wei@corp.example.cn", "+86 21 6080 1002"),
    ("recruiter03", "Emily", "Clark", "emily.clark@corp.example.cn", "+86 21 6080 1003"),
]
HIRING_MANAGERS = [
    ("manager01", "强", "张", "zhang.qiang@corp.example.cn", "+86 21 6080 2001"),
    ("manager02", "敏", "陈", "chen.min@corp.example.cn", "+86 21 6080 2002"),
    ("manager03", "David", "Miller", "david.miller@corp.example.cn", "+86 21 6080 2003"),
]


def _utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _sap_error(status: int, code: str, message: str, **headers: str) -> Response:
    """SAP's error envelope (dossier §1.9)."""
    body = ODataError(status, code, message).body()
    return Response(status, body, headers=dict(headers), content_type=JSON_TYPE)


def _odata(func: Callable[..., Response]) -> Callable[..., Response]:
    """Turn an ODataError raised anywhere below a handler into SAP's error response."""

    @functools.wraps(func)
    def wrapper(self: SuccessFactorsSimulator, req: Request, **groups: str) -> Response:
        try:
            return func(self, req, **groups)
        except ODataError as exc:
            return _sap_error(exc.status, exc.code, exc.message)

    return wrapper


def _key_literal(prop: Prop, value: Any) -> str:
    if prop.edm_type == "Edm.Int64":
        return f"{value}L"
    if prop.edm_type == "Edm.String":
        return "'{}'".format(str(value).replace("'", "''"))
    return str(value)


@dataclass
class _UpsertRun:
    """What one upsert request collects across its records."""

    purge: str
    warnings: list[dict[str, str]] = field(default_factory=list)
    kept: dict[str, set[tuple]] = field(default_factory=dict)


class _ChangesetFailed(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(f"changeset failed with {response.status}")
        self.response = response


class SuccessFactorsSimulator(SimulatorServer):
    """SAP SuccessFactors Recruiting (OData v2) on 127.0.0.1: one company, one API user, one
    registered OAuth client whose sandbox key pair is `private_key_pem` / `certificate_pem`.

    Resumes are attachments, as in SAP: `JobApplication(<id>L)/resume`, or inline in
    JobApplication reads with `$expand=resume` (one call for many). Like a real tenant's,
    not all of them can be screened, and which ones is fixed by `seed` and the application id:
    - about 2% (RESUME_MISSING_SHARE) of applications have no resume: the navigation answers
      404 COE_ENTITY_NOT_FOUND and `$expand` shows `"resume": null` (as for applications
      created through the API, which carry no resumeUploadDate);
    - about 1% (RESUME_UNREADABLE_SHARE) carry a file no text parser reads: a scanned PDF
      (image only, no text layer) or a legacy Word .doc, a few KB each, labelled with their
      true mimeType;
    - the rest are the `resume_text` encoded UTF-8, mimeType text/plain.

    `extra_candidates`: candidates planted after the generated ones (ids follow theirs), each
    a mapping of Candidate properties that replace the generated values (e.g. firstName,
    primaryEmail, cellPhone: stored as given, unvalidated, as a bad source record would be),
    plus an optional `resumeNote`, a line added to each of their resumes. They get
    applications like any other candidate. Used to seed recognisable test data.

    Test helpers: `rows`, `touch`, `count_stream`, `resume_text`, `resume_kind`,
    `expire_tokens`.
    """

    system: ClassVar[str] = "successfactors"

    def __init__(
        self,
        faults: FaultSpec | str | None = None,
        *,
        seed: int = 0,
        candidates: int = 200,
        requisitions: int = 20,
        extra_candidates: Sequence[Mapping[str, Any]] = (),
        company_id: str = "HRHUBDEV",
        username: str = "sfapi",
        password: str = "sfapi-Secret1",
        client_id: str = "hrhub-sandbox-client",
        basic_auth: bool = True,
        page_size: int = MAX_PAGE_SIZE,
        as_of: datetime | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults, host=host, port=port)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.company_id = company_id
        self.username = username
        self.password = password
        self.client_id = client_id
        self.basic_auth = basic_auth
        self.page_size = page_size
        self.seed = seed
        self.as_of = (as_of or _utc_now()).astimezone(UTC)
        self.private_key_pem, self.certificate_pem = saml.generate_test_keypair()
        self.clients: dict[str, bytes] = {client_id: self.certificate_pem}
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (user, expires at epoch s)
        self.tables: dict[str, dict[tuple, dict[str, Any]]] = {n: {} for n in ENTITY_SETS}
        self._seq: dict[str, int] = {}
        self._indexes: dict[str, dict[str, dict[Any, dict[tuple, None]]]] = {}
        self._unordered: set[str] = set()
        self._undo: list[tuple[str, tuple, dict[str, Any] | None]] | None = None
        self._version = 0
        self._last_write = self.as_of
        self._query_cache: OrderedDict[tuple, list[dict[str, Any]]] = OrderedDict()
        self._snapshots: OrderedDict[str, tuple[int, list[tuple], int]] = OrderedDict()
        self._snapshot_ids = 0
        self._metadata_cache: dict[str | None, bytes] = {}
        self._resume_notes: dict[int, str] = {}  # candidateId -> a line added to its resumes
        self._seed_data(random.Random(seed), candidates, requisitions, extra_candidates)

    # == public helpers ============================================================================

    def count_stream(self, stream: str) -> int:
        """How many records a stream holds now: the source side of a reconciliation."""
        if stream not in ("JobRequisition", "Candidate", "JobApplication"):
            raise KeyError(f"successfactors simulator has no stream {stream!r}")
        with self.lock:
            return len(self.tables[stream])

    def rows(self, set_name: str) -> list[dict[str, Any]]:
        """Copies of a set's stored records (Python values, hidden link columns included)."""
        with self.lock:
            return [dict(r) for r in self._ordered_rows(set_name)]

    def touch(self, set_name: str, key: Any) -> dict[str, Any]:
        """Bump a record's lastModifiedDateTime (and its parents') as a UI edit would."""
        with self.lock:
            set_def = ENTITY_SETS[set_name]
            found = self._find(set_def, self._key_dict(set_def, key))
            if found is None:
                raise KeyError(f"{set_name} has no record {key!r}")
            row = self._stamp(set_name, dict(found))
            self._put(set_name, row)
            self._bump_parents(set_name, row)
            return dict(row)

    def delete(self, set_name: str, key: Any) -> dict[str, Any]:
        """Remove one record, as a person deleting it in SuccessFactors' UI would (drift the
        hub's daily reconciliation must find and repair); returns what was removed."""
        with self.lock:
            set_def = ENTITY_SETS[set_name]
            found = self._find(set_def, self._key_dict(set_def, key))
            if found is None:
                raise KeyError(f"{set_name} has no record {key!r}")
            self._delete(set_name, self._skey(set_name, found))
            return dict(found)

    def expire_tokens(self) -> None:
        """Make every issued bearer token expired (LGN0006 from now on)."""
        with self.lock:
            self._tokens = {t: (user, 0.0) for t, (user, _) in self._tokens.items()}

    def resume_text(self, application_id: int) -> str:
        """The resume an application came with, as plain text.

        Built from the candidate's profile and background. It is what the attachment holds
        when `resume_kind` is "text"; for "missing" and "unreadable" the API does not serve it.
        """
        with self.lock:
            return self._resume_text_of(self._application(application_id))

    def resume_kind(self, application_id: int) -> str:
        """What `JobApplication(<id>L)/resume` serves: "text" (the `resume_text`, UTF-8),
        "missing" (404) or "unreadable" (a binary file no text parser reads)."""
        with self.lock:
            return self._resume_kind_of(self._application(application_id))

    def bearer_token(self) -> str:
        """A token for the API user, as `/oauth/token` would issue (tests skip the SAML hop)."""
        return self._issue_token(self.username)[0]

    # == seed data =================================================================================

    def _seed_data(
        self,
        rng: random.Random,
        candidates: int,
        requisitions: int,
        extra: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self._seed_statuses()
        self._seed_requisitions(rng, requisitions)
        self._seed_candidates(rng, candidates, extra)
        for name, table in self.tables.items():
            ints = [k[0] for k in table if isinstance(k[0], int)]
            self._seq[name] = max(ints, default=0)

    def _ago(self, rng: random.Random, days: float) -> datetime:
        """A moment in the `days` before as_of, to the millisecond."""
        return self.as_of - timedelta(milliseconds=int(rng.random() * days * 86_400_000))

    def _seed_statuses(self) -> None:
        statuses = self.tables["JobApplicationStatus"]
        labels = self.tables["JobApplicationStatusLabel"]
        for set_id in range(1, STATUS_SETS + 1):
            for i, (name, en, zh, cand_en, cand_zh, _) in enumerate(STATUS_STEPS):
                status_id = (set_id - 1) * len(STATUS_STEPS) + i + 1
                statuses[(set_id, status_id)] = {
                    "appStatusSetId": set_id,
                    "appStatusId": status_id,
                    "appStatusName": name,
                }
                for locale, label, cand_label in (("en_US", en, cand_en), ("zh_CN", zh, cand_zh)):
                    labels[(status_id, locale)] = {
                        "appStatusId": status_id,
                        "locale": locale,
                        "statusLabel": label,
                        "candidateLabel": cand_label,
                    }

    def _status_ids(self, status_set_id: int) -> list[int]:
        first = (status_set_id - 1) * len(STATUS_STEPS) + 1
        return list(range(first, first + len(STATUS_STEPS)))

    def _seed_requisitions(self, rng: random.Random, count: int) -> None:
        table = self.tables["JobRequisition"]
        for i in range(count):
            req_id = 1001 + i
            title, dept, _ = JOBS[i % len(JOBS)]
            template = 1 + i % STATUS_SETS
            created = self._ago(rng, 240)
            modified = max(created, self._ago(rng, 60))
            table[(req_id,)] = {
                "jobReqId": req_id,
                "jobReqGuId": str(uuid.UUID(int=rng.getrandbits(128))),
                "templateId": template,
                "statusSetId": template,
                "internalStatus": "Approved" if rng.random() < 0.85 else "Closed",
                "numberOpenings": 1 + rng.randrange(5),
                "jobTitle": title,
                "department": dept,
                "location": rng.choice(CN_CITIES),
                "country": "CN",
                "createdDateTime": created,
                "lastModifiedDateTime": modified,
            }
            self._seed_operators(req_id)

    def _seed_operators(self, req_id: int) -> None:
        """One recruiter and one hiring manager per requisition, from the small pools above.

        Drawn from a generator of their own (seed and requisition id): the main seed stream,
        and so every other seeded record, stays as it was without operators."""
        rng = random.Random(f"operators:{self.seed}:{req_id}")
        table = self.tables["JobRequisitionOperator"]
        for nav, pool in (("recruiter", RECRUITERS), ("hiringManager", HIRING_MANAGERS)):
            user, first, last, email, phone = rng.choice(pool)
            row = {
                "jobReqId": req_id,
                "operatorRole": OPERATOR_ROLES[nav],
                "userName": user,
                "usersSysId": user,
                "firstName": first,
                "lastName": last,
                "email": email,
                "phone": phone,
                "fax": "",
                "isAdminSelected": False,
                "adminSelectedUserToBeRemoved": None,
            }
            table[self._skey("JobRequisitionOperator", row)] = row

    def _seed_candidates(
        self, rng: random.Random, count: int, extra: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        """Candidates with background rows and ~1.5 applications each, in one pass; the
        `extra` ones (see the class docstring) after them."""
        reqs = list(self.tables["JobRequisition"].values())
        weights = [step[5] for step in STATUS_STEPS]
        cum = [sum(weights[: i + 1]) for i in range(len(weights))]
        seeder = _Seeder(self, rng, reqs, cum)
        for i in range(count):
            seeder.candidate(100_001 + i)
        for i, fields in enumerate(extra):
            cid = 100_001 + count + i
            fields = dict(fields)
            note = fields.pop("resumeNote", None)
            unknown = sorted(f for f in fields if not ENTITY_SETS["Candidate"].has_prop(f))
            if unknown:
                raise ValueError(f"extra_candidates[{i}]: Candidate has no {', '.join(unknown)}")
            if note:
                self._resume_notes[cid] = str(note)
            seeder.candidate(cid, fields)

    # == storage ===================================================================================

    def _skey(self, set_name: str, row: dict[str, Any]) -> tuple:
        cols = STORAGE_KEYS.get(set_name) or ENTITY_SETS[set_name].key
        return tuple(row.get(c) for c in cols)

    def _index(self, set_name: str, column: str) -> dict[Any, dict[tuple, None]]:
        """rows of `set_name` by `column`, built on first use and kept up to date by _put."""
        by_set = self._indexes.setdefault(set_name, {})
        index = by_set.get(column)
        if index is None:
            index = {}
            for skey, row in self.tables[set_name].items():
                index.setdefault(row.get(column), {})[skey] = None
            by_set[column] = index
        return index

    def _related(self, set_name: str, column: str, value: Any) -> list[dict[str, Any]]:
        if value is None:
            return []
        table = self.tables[set_name]
        cols = STORAGE_KEYS.get(set_name) or ENTITY_SETS[set_name].key
        if cols == (column,):
            row = table.get((value,))
            return [row] if row is not None else []
        keys = self._index(set_name, column).get(value, {})
        return (
            [table[k] for k in sorted(keys)]
            if set_name in self._unordered
            else [table[k] for k in keys]
        )

    def _put(self, set_name: str, row: dict[str, Any], *, log: bool = True) -> None:
        """Store `row` (replacing, never mutating, the old dict: undo and caches keep it)."""
        table = self.tables[set_name]
        skey = self._skey(set_name, row)
        old = table.get(skey)
        if log and self._undo is not None:
            self._undo.append((set_name, skey, old))
        if old is None and table and set_name not in self._unordered:
            try:
                if skey < next(reversed(table)):
                    self._unordered.add(set_name)
            except TypeError:
                self._unordered.add(set_name)
        table[skey] = row
        for column, index in self._indexes.get(set_name, {}).items():
            if old is not None:
                index.get(old.get(column), {}).pop(skey, None)
            index.setdefault(row.get(column), {})[skey] = None
        self._version += 1

    def _delete(self, set_name: str, skey: tuple, *, log: bool = True) -> None:
        old = self.tables[set_name].pop(skey, None)
        if old is None:
            return
        if log and self._undo is not None:
            self._undo.append((set_name, skey, old))
        for column, index in self._indexes.get(set_name, {}).items():
            index.get(old.get(column), {}).pop(skey, None)
        self._version += 1

    @contextlib.contextmanager
    def _atomic(self) -> Iterator[None]:
        """All writes inside happen or none do (nested blocks roll back only their own)."""
        with self.lock:
            outer = self._undo
            log = outer if outer is not None else []
            mark = len(log)
            self._undo = log
            try:
                yield
            except BaseException:
                while len(log) > mark:
                    set_name, skey, old = log.pop()
                    if old is None:
                        self._delete(set_name, skey, log=False)
                    else:
                        self._put(set_name, old, log=False)
                raise
            finally:
                self._undo = outer

    def _next_id(self, set_name: str) -> int:
        """The next value of a set's id sequence (never reused, like a DB sequence)."""
        value = self._seq.get(set_name, 0) + 1
        while (value,) in self.tables[set_name]:
            value += 1
        self._seq[set_name] = value
        return value

    def _ordered_rows(self, set_name: str) -> list[dict[str, Any]]:
        table = self.tables[set_name]
        if set_name in self._unordered:
            return [table[k] for k in sorted(table, key=_sortable_key)]
        return list(table.values())

    def _find(self, set_def: EntitySetDef, key: dict[str, Any]) -> dict[str, Any] | None:
        """The record a `Set(key)` address names (first match for SAP's non-unique keys)."""
        if set_def.name not in STORAGE_KEYS:
            return self.tables[set_def.name].get(tuple(key[k] for k in set_def.key))
        first = set_def.key[0]
        for row in self._related(set_def.name, first, key[first]):
            if all(row.get(k) == v for k, v in key.items()):
                return row
        return None

    def _key_dict(self, set_def: EntitySetDef, key: Any) -> dict[str, Any]:
        if isinstance(key, dict):
            return key
        values = key if isinstance(key, tuple) else (key,)
        return dict(zip(set_def.key, values, strict=True))

    def _now(self) -> datetime:
        """Write time: wall clock, but strictly after the previous write (ms resolution)."""
        now = max(_utc_now(), self._last_write + timedelta(milliseconds=1))
        self._last_write = now
        return now

    def _stamp(self, set_name: str, row: dict[str, Any]) -> dict[str, Any]:
        if ENTITY_SETS[set_name].has_prop("lastModifiedDateTime"):
            row["lastModifiedDateTime"] = self._now()
        return row

    def _bump_parents(self, set_name: str, row: dict[str, Any]) -> None:
        """A child's write shows as a change of its parents (effective-dating caveat)."""
        link = PARENTS.get(set_name)
        while link is not None:
            column, parent_set, parent_key = link
            parents = self._related(parent_set, parent_key, row.get(column))
            if not parents:
                return
            row = self._stamp(parent_set, dict(parents[0]))
            self._put(parent_set, row)
            set_name, link = parent_set, PARENTS.get(parent_set)

    # == resumes ===================================================================================

    def _application(self, application_id: int) -> dict[str, Any]:
        app = self.tables["JobApplication"].get((application_id,))
        if app is None:
            raise KeyError(f"no JobApplication {application_id}")
        return app

    def _resume_text_of(self, app: dict[str, Any]) -> str:
        cand = self.tables["Candidate"][(app["candidateId"],)]
        req = self.tables["JobRequisition"].get((app["jobReqId"],))
        edu = self._related("CandidateBackground_Education", "candidateId", cand["candidateId"])
        work = self._related(
            "CandidateBackground_OutsideWorkExperience", "candidateId", cand["candidateId"]
        )
        rng = random.Random(self.seed * 1_000_003 + app["applicationId"])
        text = _resume(cand, req, edu, work, rng)
        note = self._resume_notes.get(cand["candidateId"])
        return f"{text}{note}\n" if note else text

    def _resume_rng(self, app: dict[str, Any]) -> random.Random:
        """The resume file's own generator: a string seed is hashed the same in every run."""
        return random.Random(f"resume:{self.seed}:{app['applicationId']}")

    def _resume_kind_of(self, app: dict[str, Any]) -> str:
        if app.get("resumeUploadDate") is None:
            return "missing"
        roll = self._resume_rng(app).random()
        if roll < RESUME_MISSING_SHARE:
            return "missing"
        if roll < RESUME_MISSING_SHARE + RESUME_UNREADABLE_SHARE:
            return "unreadable"
        return "text"

    def _resume_attachment(self, app: dict[str, Any]) -> dict[str, Any] | None:
        """The application's resume as an Attachment record (Python values), or None."""
        kind = self._resume_kind_of(app)
        if kind == "missing":
            return None
        if kind == "text":
            content = self._resume_text_of(app).encode("utf-8")
            extension, mime_type = "txt", "text/plain"
        else:
            rng = self._resume_rng(app)
            rng.random()  # the draw _resume_kind_of made
            content, extension, mime_type = _unreadable_file(rng)
        app_id = app["applicationId"]
        return {
            "attachmentId": ATTACHMENT_ID_BASE + app_id,
            "fileName": f"resume_{app_id}.{extension}",
            "fileExtension": extension,
            "mimeType": mime_type,
            "fileContent": base64.b64encode(content).decode("ascii"),
            "fileSize": len(content),
            "module": "RECRUITING",
            "moduleCategory": "RESUME",
            "documentCategory": None,
            "userId": str(app["candidateId"]),
            "lastModifiedDateTime": app["resumeUploadDate"],
        }

    # == auth ======================================================================================

    def _authenticate(self, req: Request) -> str:
        """The API user of a call, or the SAP answer to bad credentials (Abort)."""
        header = req.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and value.strip():
            return self._check_bearer(value.strip())
        if scheme == "basic":
            return self._check_basic(value.strip())
        raise Abort(
            _sap_error(
                401,
                "UNAUTHORIZED",
                "Authentication required: send Basic user@companyId credentials or a Bearer "
                "token from /oauth/token.",
                **{"WWW-Authenticate": 'Basic realm="SuccessFactors"'},
            )
        )

    def _check_basic(self, value: str) -> str:
        if not self.basic_auth:
            raise Abort(
                _sap_error(
                    403,
                    "LGN0010",
                    "[LGN0010]Basic authentication is disabled for this company; use OAuth.",
                )
            )
        try:
            text = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        login, _, password = text.partition(":")
        user, at, company = login.rpartition("@")
        if at and company != self.company_id:
            raise Abort(_sap_error(403, "LGN0008", f"[LGN0008]Company {company} is not found."))
        if not at or user != self.username or password != self.password:
            raise Abort(
                _sap_error(
                    401,
                    "UNAUTHORIZED",
                    "Authentication failed: invalid user name, company or password.",
                    **{"WWW-Authenticate": 'Basic realm="SuccessFactors"'},
                )
            )
        return user

    def _check_bearer(self, token: str) -> str:
        with self.lock:
            entry = self._tokens.get(token)
        if entry is None:
            raise Abort(_sap_error(401, "LGN0007", "[LGN0007]The access token is invalid."))
        user, expires = entry
        if time.time() >= expires:
            self._count("token_expired")
            raise Abort(_sap_error(401, "LGN0006", "[LGN0006]The access token has expired."))
        return user

    def _issue_token(self, user: str) -> tuple[str, int]:
        lifetime = self.token_lifetime(TOKEN_LIFETIME_S) or TOKEN_LIFETIME_S
        token = secrets.token_urlsafe(32)
        with self.lock:
            now = time.time()
            self._tokens = {t: e for t, e in self._tokens.items() if e[1] > now - 3600}
            self._tokens[token] = (user, now + lifetime)
        return token, max(1, math.ceil(lifetime))

    @route("POST", r"/oauth/token")
    def oauth_token(self, req: Request) -> Response:
        """OAuth 2.0 SAML bearer grant: form fields client_id, company_id, grant_type, assertion."""
        form = {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        for name in ("client_id", "company_id", "grant_type", "assertion"):
            if not form.get(name):
                return _oauth_error(400, "invalid_request", f"Missing parameter {name}.")
        if form["grant_type"] != GRANT_TYPE:
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type.")
        if form["company_id"] != self.company_id:
            return _oauth_error(400, "LGN0008", f"Company {form['company_id']} is not found.")
        certificate = self.clients.get(form["client_id"])
        if certificate is None:
            return _oauth_error(401, "invalid_client", "Invalid client_id (API key).")
        try:
            user = saml.verify_assertion(
                form["assertion"],
                certificate_pem=certificate,
                client_id=form["client_id"],
                audience=saml.DEFAULT_AUDIENCE,
                token_url=f"{self.url}/oauth/token",
            )
        except saml.SamlError as exc:
            return _oauth_error(
                401, exc.code, f"Unable to validate the SAML assertion: {exc.message}"
            )
        if user != self.username:
            return _oauth_error(401, "invalid_grant", f"User {user} is not an API user.")
        token, expires_in = self._issue_token(user)
        return Response(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": expires_in},
            content_type=JSON_TYPE,
        )

    @route("GET", r"/oauth/validate")
    def oauth_validate(self, req: Request) -> Response:
        header = req.header("authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token = token or req.arg("access_token") or ""
        with self.lock:
            entry = self._tokens.get(token)
        if entry is None:
            return _oauth_error(401, "LGN0007", "The access token is invalid.")
        user, expires = entry
        remaining = math.floor(expires - time.time())
        if remaining <= 0:
            return _oauth_error(401, "LGN0006", "The access token has expired.")
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": remaining,
                "user_id": user,
                "company_id": self.company_id,
                "client_id": self.client_id,
            },
            content_type=JSON_TYPE,
        )

    # == errors in SAP's shape =====================================================================

    def fault_error(self) -> Response:
        return _sap_error(
            503,
            "SYSTEM_MAINTENANCE",
            "The system is currently undergoing maintenance. Please try again later.",
        )

    def fault_rate_limited(self, retry_after: int) -> Response:
        return _sap_error(
            429,
            "TOO_MANY_REQUESTS",
            f"The API request limit has been exceeded. Retry after {retry_after} seconds.",
            **{"Retry-After": str(retry_after)},
        )

    def not_found(self, req: Request) -> Response:
        return _sap_error(404, "COE_RESOURCE_NOT_FOUND", f"Resource not found: {req.path}")

    def method_not_allowed(self, req: Request, allowed: list[str]) -> Response:
        resp = _sap_error(405, BAD, f"Method {req.method} is not allowed on {req.path}.")
        resp.headers["Allow"] = ", ".join(allowed)
        return resp

    def bad_json(self, req: Request, exc: BadJSON) -> Response:
        return _sap_error(400, BAD, f"Invalid JSON payload: {exc}")

    def server_error(self, req: Request, exc: Exception) -> Response:
        return _sap_error(500, "COE_GENERAL_SERVER_FAILURE", f"{type(exc).__name__}: {exc}")

    # == metadata and reads ========================================================================

    def _set_def(self, name: str, *, addressed: bool = True) -> EntitySetDef:
        """The set a URL or upsert names; 404 if unknown. A set served only inline is refused
        when `addressed` (its own URL): it has no stored records to answer with."""
        set_def = ENTITY_SETS.get(name)
        if set_def is None:
            raise ODataError(
                404, "COE_ENTITY_NOT_FOUND", f"[COE0019]Entity set {name} does not exist."
            )
        if addressed and name in INLINE_ONLY_SETS:
            raise ODataError(
                400,
                BAD,
                f"{name} is served here only through JobApplication's resume: "
                f"JobApplication(<id>L)/resume or $expand=resume.",
            )
        return set_def

    def _check_format(self, req: Request) -> None:
        fmt = (req.arg("$format") or "json").lower()
        if fmt != "json":
            raise ODataError(400, BAD, f"$format={fmt} is not supported here; use $format=json.")

    def _metadata(self, set_name: str | None) -> bytes:
        cached = self._metadata_cache.get(set_name)
        if cached is None:
            cached = render_metadata() if set_name is None else render_metadata([set_name])
            self._metadata_cache[set_name] = cached
        return cached

    @route("GET", r"/odata/v2/?")
    @_odata
    def service_document(self, req: Request) -> Response:
        self._authenticate(req)
        return self._json({"d": {"EntitySets": list(ENTITY_SETS)}})

    @route("GET", r"/odata/v2/\$metadata")
    @_odata
    def metadata(self, req: Request) -> Response:
        self._authenticate(req)
        return Response(200, self._metadata(None), content_type="application/xml;charset=utf-8")

    @route("GET", r"/odata/v2/(?P<set_name>\w+)/\$metadata")
    @_odata
    def set_metadata(self, req: Request, set_name: str) -> Response:
        """Per-entity metadata: SAP serves a document scoped to the set; the same model here."""
        self._authenticate(req)
        self._set_def(set_name, addressed=False)
        return Response(200, self._metadata(set_name), content_type="application/xml;charset=utf-8")

    @route("GET", r"/odata/v2/(?P<set_name>\w+)/\$count")
    @_odata
    def count(self, req: Request, set_name: str) -> Response:
        self._authenticate(req)
        set_def = self._set_def(set_name)
        with self.lock:
            matching = self._matching(set_def, req)
        return Response(200, str(len(matching)), content_type="text/plain;charset=utf-8")

    @route("GET", r"/odata/v2/(?P<set_name>\w+)", page=True)
    @_odata
    def list_set(self, req: Request, set_name: str) -> Response:
        """A page of an entity set, server-paged (SAP: at most 1000 rows, `__next`)."""
        self._authenticate(req)
        self._check_format(req)
        set_def = self._set_def(set_name)
        select = parse_select(req.arg("$select") or "", set_def)
        expand = parse_expand(req.arg("$expand") or "", set_def)
        size = self._page_size_of(req)
        with self.lock:
            page, total, next_token = self._page(set_def, req, size)
            results = [self._render(set_def, r, select, expand, req.base_url) for r in page]
        body: dict[str, Any] = {"results": self.apply_list_faults(results)}
        if (req.arg("$inlinecount") or "").lower() == "allpages":
            body["__count"] = str(total)
        if next_token is not None:
            body["__next"] = self._next_link(req, next_token)
        return self._json({"d": body})

    @route("GET", r"/odata/v2/(?P<set_name>\w+)\((?P<key>[^)]*)\)")
    @_odata
    def get_entity(self, req: Request, set_name: str, key: str) -> Response:
        self._authenticate(req)
        self._check_format(req)
        set_def = self._set_def(set_name)
        select = parse_select(req.arg("$select") or "", set_def)
        expand = parse_expand(req.arg("$expand") or "", set_def)
        with self.lock:
            row = self._require(set_def, key)
            return self._json({"d": self._render(set_def, row, select, expand, req.base_url)})

    @route("GET", r"/odata/v2/(?P<set_name>\w+)\((?P<key>[^)]*)\)/(?P<nav>\w+)")
    @_odata
    def get_navigation(self, req: Request, set_name: str, key: str, nav: str) -> Response:
        """`Set(key)/nav`: the related records; an empty to-one (a missing resume) is 404."""
        self._authenticate(req)
        self._check_format(req)
        set_def = self._set_def(set_name)
        nav_def = set_def.nav(nav)
        target = ENTITY_SETS[nav_def.target]
        select = parse_select(req.arg("$select") or "", target)
        expand = parse_expand(req.arg("$expand") or "", target)
        with self.lock:
            row = self._require(set_def, key)
            related = self._resolve(row, nav_def)
            rendered = [self._render(target, r, select, expand, req.base_url) for r in related]
        if nav_def.many:
            return self._json({"d": {"results": rendered}})
        if not rendered:
            raise ODataError(404, "COE_ENTITY_NOT_FOUND", f"{set_name}({key})/{nav} is empty.")
        return self._json({"d": rendered[0]})

    def _json(self, body: Any, status: int = 200, **headers: str) -> Response:
        headers.setdefault("DataServiceVersion", "2.0")
        return Response(status, body, headers=headers, content_type=JSON_TYPE)

    def _require(self, set_def: EntitySetDef, key_text: str) -> dict[str, Any]:
        key = parse_key(set_def, key_text)
        row = self._find(set_def, key)
        if row is None:
            shown = ",".join(f"{k}={v}" for k, v in key.items())
            raise ODataError(
                404,
                "COE_ENTITY_NOT_FOUND",
                f"[COE0018]Entity {set_def.name} with key {shown} is not found.",
            )
        return row

    def _resolve(self, row: dict[str, Any], nav: Nav) -> list[dict[str, Any]]:
        """The records a navigation of `row` points at (also the $filter path resolver)."""
        if nav.computed:
            return self._computed(row, nav)
        (local, remote), *rest = nav.on
        found = self._related(nav.target, remote, row.get(local))
        for local_col, remote_col in rest:
            found = [r for r in found if r.get(remote_col) == row.get(local_col)]
        for column, value in nav.where:
            found = [r for r in found if r.get(column) == value]
        return found

    def _computed(self, row: dict[str, Any], nav: Nav) -> list[dict[str, Any]]:
        """A computed navigation's records, built from `row`: the only one is a
        JobApplication's resume, its Attachment or nothing (a JSON null when expanded)."""
        if (nav.name, nav.target) == ("resume", "Attachment"):
            attachment = self._resume_attachment(row)
            return [] if attachment is None else [attachment]
        raise NotImplementedError(f"no computed navigation {nav.name} to {nav.target}")

    def _page_size_of(self, req: Request) -> int:
        raw = req.arg("customPageSize")
        if raw is None:
            return self.page_size
        size = parse_count(raw, "customPageSize")
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ODataError(
                400, BAD, f"customPageSize must be an integer between 1 and {MAX_PAGE_SIZE}."
            )
        return size

    def _int_option(self, req: Request, name: str) -> int | None:
        raw = req.arg(name)
        return None if raw is None else parse_count(raw, name)

    def _matching(self, set_def: EntitySetDef, req: Request) -> list[dict[str, Any]]:
        """Rows matching $filter in $orderby order (key order by default); cached per data
        version so paging through an unchanged set filters it once."""
        filter_text = req.arg("$filter") or ""
        order_text = req.arg("$orderby") or ""
        cache_key = (set_def.name, filter_text, order_text, self._version)
        cached = self._query_cache.get(cache_key)
        if cached is not None:
            self._query_cache.move_to_end(cache_key)
            return cached
        predicate = parse_filter(filter_text, set_def, self._resolve)
        orderby = parse_orderby(order_text, set_def) if order_text.strip() else []
        found = self._looked_up(set_def.name, predicate.lookup) if predicate.lookup else None
        candidates = found if found is not None else self._ordered_rows(set_def.name)
        rows = [r for r in candidates if predicate(r)]
        if orderby:
            rows = sort_records(rows, orderby)
        self._query_cache[cache_key] = rows
        while len(self._query_cache) > 16:
            self._query_cache.popitem(last=False)
        return rows

    def _looked_up(
        self, set_name: str, lookup: tuple[str, frozenset[Any]]
    ) -> list[dict[str, Any]] | None:
        """The rows whose `column` holds one of `values`, in key order, from the table's key or
        an index, as a database serves `key in (...)`; None when a scan must decide (dates
        compare by instant, not by their stored form)."""
        column, values = lookup
        if any(isinstance(v, date) for v in values):
            return None
        table = self.tables[set_name]
        if (STORAGE_KEYS.get(set_name) or ENTITY_SETS[set_name].key) == (column,):
            keys = {(v,) for v in values if (v,) in table}
        else:
            index = self._index(set_name, column)
            keys = {k for v in values for k in index.get(v, ())}
        try:
            ordered = sorted(keys, key=_sortable_key if set_name in self._unordered else None)
        except TypeError:
            ordered = sorted(keys, key=_sortable_key)
        return [table[k] for k in ordered]

    def _window(self, set_def: EntitySetDef, req: Request) -> tuple[list[dict[str, Any]], int]:
        """The rows $skip/$top select (recomputed per request, so they shift under change,
        as SAP warns), and the $inlinecount total."""
        skip = self._int_option(req, "$skip") or 0
        top = self._int_option(req, "$top")
        rows = self._matching(set_def, req)
        end = len(rows) if top is None else skip + top
        return rows[skip:end], len(rows)

    def _fingerprint(self, set_def: EntitySetDef, req: Request, snapshot: int | None) -> str:
        options = sorted(
            (k, tuple(v))
            for k, v in req.query.items()
            if k not in ("$skiptoken", "$format", "$inlinecount")
        )
        return query_fingerprint(set_def.name, options, snapshot)

    def _page(
        self, set_def: EntitySetDef, req: Request, size: int
    ) -> tuple[list[dict[str, Any]], int, str | None]:
        """(rows of this page, the $inlinecount total, the next $skiptoken or None).

        Without `paging=snapshot` a token is an offset into a window recomputed per page, so
        writes between pages can shift rows (SAP's caveat). With it, the first page freezes
        the window's keys under the tokens it hands out; later pages show those records'
        current content, skipping any deleted since.
        """
        token = req.arg("$skiptoken")
        snapshot = req.arg("paging") == "snapshot"
        if snapshot and token:
            entry = self._snapshots.get(token)
            if entry is None:
                raise ODataError(400, BAD, "Invalid $skiptoken: the snapshot has expired.")
            snapshot_id, keys, total = entry
            fingerprint = self._fingerprint(set_def, req, snapshot_id)
            offset = decode_skiptoken(token, fingerprint)
        else:
            window, total = self._window(set_def, req)
            if not snapshot:
                fingerprint = self._fingerprint(set_def, req, None)
                offset = decode_skiptoken(token, fingerprint) if token else 0
                more = offset + size < len(window)
                next_token = encode_skiptoken(offset + size, fingerprint) if more else None
                return window[offset : offset + size], total, next_token
            self._snapshot_ids += 1
            snapshot_id = self._snapshot_ids
            keys = [self._skey(set_def.name, r) for r in window]
            fingerprint = self._fingerprint(set_def, req, snapshot_id)
            offset = 0
        table = self.tables[set_def.name]
        page = [table[k] for k in keys[offset : offset + size] if k in table]
        if offset + size >= len(keys):
            return page, total, None
        next_token = encode_skiptoken(offset + size, fingerprint)
        self._snapshots[next_token] = (snapshot_id, keys, total)
        while len(self._snapshots) > SNAPSHOT_TOKENS_KEPT:
            self._snapshots.popitem(last=False)
        return page, total, next_token

    def _next_link(self, req: Request, token: str) -> str:
        pairs = [(k, v) for k, values in req.query.items() if k != "$skiptoken" for v in values]
        pairs.append(("$skiptoken", token))
        return f"{req.base_url}{quote(req.path)}?{urlencode(pairs)}"

    # -- rendering ---------------------------------------------------------------------------------

    def _uri(self, set_def: EntitySetDef, row: dict[str, Any], base: str) -> str:
        if len(set_def.key) == 1:
            prop = set_def.prop(set_def.key[0])
            key = _key_literal(prop, row.get(prop.name))
        else:
            key = ",".join(f"{k}={_key_literal(set_def.prop(k), row.get(k))}" for k in set_def.key)
        return f"{base}{API}/{set_def.name}({key})"

    def _render(
        self,
        set_def: EntitySetDef,
        row: dict[str, Any],
        select: list[str] | None,
        expand: list[str],
        base: str,
    ) -> dict[str, Any]:
        """A record in SAP's verbose JSON: __metadata, values via to_json, navigations
        expanded (`results` for to-many) or deferred."""
        uri = self._uri(set_def, row, base)
        out: dict[str, Any] = {"__metadata": {"uri": uri, "type": set_def.type_name}}
        chosen = None if select is None else {s for s in select if "/" not in s}
        for prop in set_def.props:
            if chosen is None or prop.name in chosen:
                out[prop.name] = to_json(prop, row.get(prop.name))
        for nav in set_def.navs:
            sub = [s.split("/", 1)[1] for s in select or () if s.startswith(nav.name + "/")]
            if nav.name in expand:
                target = ENTITY_SETS[nav.target]
                sub_select = None if not sub or "*" in sub else sub
                related = [
                    self._render(target, r, sub_select, [], base) for r in self._resolve(row, nav)
                ]
                if nav.many:
                    out[nav.name] = {"results": related}
                else:
                    out[nav.name] = related[0] if related else None
            elif chosen is None or nav.name in chosen or sub:
                out[nav.name] = {"__deferred": {"uri": f"{uri}/{nav.name}"}}
        return out

    # == writes ====================================================================================

    @route("POST", r"/odata/v2/upsert")
    @_odata
    def upsert(self, req: Request) -> Response:
        """SAP's upsert: HTTP 200 with one result per record, a failing record stops nothing."""
        user = self._authenticate(req)
        self._check_format(req)
        purge = (req.arg("purgeType") or "incremental").lower()
        if purge not in ("incremental", "full"):
            raise ODataError(400, BAD, f"Invalid purgeType {purge!r}: use full or incremental.")
        body = req.json()
        records = body if isinstance(body, list) else [body]
        if body is None or not all(isinstance(r, dict) for r in records):
            raise ODataError(400, BAD, "Upsert content must be a JSON object or an array of them.")
        if len(records) > UPSERT_MAX:
            raise ODataError(
                400, BAD, f"Upsert content exceeds the limitation, the maximum size is {UPSERT_MAX}"
            )
        run = _UpsertRun(purge)
        with self.lock:
            results = [self._upsert_one(r, i, user, run) for i, r in enumerate(records)]
            self._purge(run.kept)
        headers = {"sap-message": _sap_message(run.warnings)} if run.warnings else {}
        return self._json({"d": results}, **headers)

    def _upsert_one(
        self, record: dict[str, Any], index: int, user: str, run: _UpsertRun
    ) -> dict[str, Any]:
        """One record of an upsert, atomically; its outcome as SAP's UpsertResult."""
        result: dict[str, Any] = {
            "key": None,
            "status": "OK",
            "editStatus": "UPSERTED",
            "message": None,
            "index": index,
            "httpCode": 200,
            "inlineResults": None,
        }
        try:
            with self._atomic():
                set_def, key = self._upsert_target(record)
                if key:
                    result["key"] = _result_key(set_def, key)
                payload = {k: v for k, v in record.items() if k != "__metadata"}
                payload.update({k: to_json(set_def.prop(k), v) for k, v in key.items()})
                row, warnings = self._write(set_def, payload, user, key or None, upsert=True)
                result["key"] = _result_key(set_def, row)
                if run.purge == "full":
                    run.kept.setdefault(set_def.name, set()).add(self._skey(set_def.name, row))
                run.warnings.extend(warnings)
        except ODataError as exc:
            result.update(
                status="ERROR",
                editStatus=None,
                message=exc.message,
                httpCode=exc.status if exc.status < 500 else 500,
            )
        return result

    def _upsert_target(self, record: dict[str, Any]) -> tuple[EntitySetDef, dict[str, Any]]:
        """The set and key an upsert record names in `__metadata.uri` (or by its key fields)."""
        meta = record.get("__metadata")
        uri = meta.get("uri") if isinstance(meta, dict) else None
        if not isinstance(uri, str) or not uri.strip():
            raise ODataError(400, BAD, "Each upsert record needs __metadata.uri.")
        path = urlsplit(uri).path if "://" in uri else uri
        path = unquote(path).strip()
        if API + "/" in path:
            path = path.split(API + "/", 1)[1]
        path = path.lstrip("/")
        name, paren, rest = path.partition("(")
        set_def = self._set_def(name)
        type_name = meta.get("type") if isinstance(meta, dict) else None
        if type_name not in (None, set_def.type_name):
            raise ODataError(
                400, BAD, f"__metadata.type {type_name} does not match entity set {name}."
            )
        if not set_def.upsertable:
            raise ODataError(400, BAD, f"[COE0009]Upsert is not supported for entity {name}.")
        key = parse_key(set_def, "(" + rest) if paren else {}
        if not key and all(record.get(k) is not None for k in set_def.key):
            key = {k: from_json(set_def.prop(k), record[k]) for k in set_def.key}
        return set_def, key

    def _purge(self, kept: dict[str, set[tuple]]) -> None:
        """purgeType=full on background elements: the rows upserted replace the candidate's
        other rows of that kind (SAP: a full purge replaces the whole collection)."""
        for set_name, keys in kept.items():
            if not set_name.startswith("CandidateBackground_"):
                continue
            table = self.tables[set_name]
            owners = {table[k]["candidateId"] for k in keys if k in table}
            for owner in owners:
                for sibling in self._related(set_name, "candidateId", owner):
                    skey = self._skey(set_name, sibling)
                    if skey not in keys:
                        self._delete(set_name, skey)

    @route("POST", r"/odata/v2/(?P<set_name>\w+)")
    @_odata
    def create(self, req: Request, set_name: str) -> Response:
        """POST create: 201 with the new record."""
        user = self._authenticate(req)
        set_def = self._set_def(set_name)
        if not set_def.creatable:
            raise ODataError(400, BAD, f"Entity {set_name} is not creatable.")
        payload = _payload(req)
        with self._atomic():
            row, warnings = self._write(set_def, payload, user, None, upsert=False)
            body = {"d": self._render(set_def, row, None, [], req.base_url)}
        headers = {"Location": body["d"]["__metadata"]["uri"]}
        if warnings:
            headers["sap-message"] = _sap_message(warnings)
        return self._json(body, 201, **headers)

    @route("POST", r"/odata/v2/(?P<set_name>\w+)\((?P<key>[^)]*)\)")
    @_odata
    def post_entity(self, req: Request, set_name: str, key: str) -> Response:
        """POST on an entity: only as a tunnelled MERGE (`X-HTTP-Method: MERGE`)."""
        tunnelled = (req.header("x-http-method") or "").upper()
        if tunnelled not in ("MERGE", "PATCH", "PUT"):
            self._authenticate(req)
            raise ODataError(
                405, BAD, f"POST on {set_name}({key}) needs X-HTTP-Method: MERGE to update it."
            )
        return self._merge(req, set_name, key)

    @route("MERGE", r"/odata/v2/(?P<set_name>\w+)\((?P<key>[^)]*)\)")
    @route("PATCH", r"/odata/v2/(?P<set_name>\w+)\((?P<key>[^)]*)\)")
    @route("PUT", r"/odata/v2/(?P<set_name>\w+)\((?P<key>[^)]*)\)")
    @_odata
    def merge(self, req: Request, set_name: str, key: str) -> Response:
        """MERGE (PATCH, and PUT treated alike): 204, only the properties sent change."""
        return self._merge(req, set_name, key)

    def _merge(self, req: Request, set_name: str, key: str) -> Response:
        user = self._authenticate(req)
        set_def = self._set_def(set_name)
        if not set_def.updatable:
            raise ODataError(400, BAD, f"Entity {set_name} is not updatable.")
        payload = _payload(req)
        with self._atomic():
            self._require(set_def, key)
            _, warnings = self._write(set_def, payload, user, parse_key(set_def, key), upsert=False)
        headers = {"sap-message": _sap_message(warnings)} if warnings else {}
        return Response(204, None, headers={"DataServiceVersion": "2.0", **headers})

    # -- the one write path ------------------------------------------------------------------------

    def _write(
        self,
        set_def: EntitySetDef,
        payload: dict[str, Any],
        user: str,
        key: dict[str, Any] | None,
        *,
        upsert: bool,
    ) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """Validate and store one record: (the stored row, `sap-message` warnings).

        A record with `key` that exists is updated, else created (when its key is
        client-assigned); raises ODataError with SAP's code for anything SAP refuses.
        """
        current = self._find(set_def, key) if key else None
        if current is None and key and not all(set_def.prop(k).creatable for k in set_def.key):
            shown = ",".join(f"{k}={v}" for k, v in key.items())
            raise ODataError(
                404,
                "COE_ENTITY_NOT_FOUND",
                f"[COE0018]Entity {set_def.name} with key {shown} is not found.",
            )
        creating = current is None
        warnings: list[dict[str, str]] = []
        changes = self._validate(set_def, payload, current, warnings, upsert=upsert)
        if creating:
            row = self._defaults(set_def, user)
            row.update(changes)
            if key:
                row.update(key)
            self._check_required(set_def, row, creating=True)
        else:
            assert current is not None
            row = {**current, **changes}
            self._check_required(set_def, row, creating=False)
        self._check_references(set_def, row)
        previous_status = current.get("appStatusSetItemId") if current else None
        if set_def.name == "JobApplication":
            self._application_rules(row, current)
        if set_def.name == "Candidate":
            self._unique_email(row, current)
        if set_def.name == "JobRequisition":
            self._requisition_rules(row)
        self._stamp(set_def.name, row)
        self._put(set_def.name, row)
        if set_def.name == "JobApplication" and row.get("appStatusSetItemId") != previous_status:
            self._audit(row, user, creating)
        self._bump_parents(set_def.name, row)
        return row, warnings

    def _validate(
        self,
        set_def: EntitySetDef,
        payload: dict[str, Any],
        current: dict[str, Any] | None,
        warnings: list[dict[str, str]],
        *,
        upsert: bool,
    ) -> dict[str, Any]:
        """Payload -> Python values, with SAP's property checks (exists, flags, length,
        picklist)."""
        creating = current is None
        changes: dict[str, Any] = {}
        for name, raw in payload.items():
            if name.startswith("__") or set_def.has_nav(name):
                continue  # links to other records are not written through a navigation here
            prop = set_def.prop(name)
            value = from_json(prop, raw)
            if name in set_def.key:
                if current is not None and value != current.get(name):
                    raise ODataError(400, BAD, f"Key property {set_def.name}/{name} cannot change.")
                if not prop.creatable:
                    continue  # server-assigned keys sent on create are ignored
            elif not self._may_write(prop, creating, upsert):
                if current is not None and value == current.get(name):
                    continue  # a read-back value sent unchanged is harmless
                verb = "creatable" if creating else "updatable"
                raise ODataError(400, BAD, f"Property {set_def.name}/{name} is not {verb}.")
            if set_def.name == "JobApplication" and name == "status":
                self._check_status(value, current)
            if isinstance(value, str):
                value = _check_text(set_def, prop, value, warnings)
            _check_picklist(set_def, prop, value)
            changes[name] = value
        return changes

    @staticmethod
    def _may_write(prop: Prop, creating: bool, upsert: bool) -> bool:
        allowed = prop.creatable if creating else prop.updatable
        return allowed and (prop.upsertable or not upsert)

    def _check_status(self, value: Any, current: dict[str, Any] | None) -> None:
        """JobApplication.status: not directly updatable since release 1811 (dossier §1.2)."""
        if current is not None and value != current.get("status"):
            raise ODataError(
                400,
                BAD,
                "Property JobApplication/status is not updatable; move the application "
                "through appStatusSetItemId.",
            )
        if value is not None and value not in APPLICATION_STATUS_CODES:
            raise ODataError(400, "COE_INVALID_PICKLIST_VALUE", f"Invalid status {value!r}.")

    def _check_required(self, set_def: EntitySetDef, row: dict[str, Any], creating: bool) -> None:
        missing = [
            p.name
            for p in set_def.props
            if p.name not in set_def.key
            and (p.required or (creating and not p.nullable and p.creatable))
            and row.get(p.name) in (None, "")
        ]
        if missing:
            raise ODataError(
                400,
                "COE_MISSING_REQUIRED_PROPERTIES",
                f"[COE0011]Missing required properties for {set_def.name}: {', '.join(missing)}.",
            )

    def _check_references(self, set_def: EntitySetDef, row: dict[str, Any]) -> None:
        for (owner, column), (target, target_col) in REFERENCES.items():
            if owner != set_def.name or row.get(column) is None:
                continue
            if not self._related(target, target_col, row[column]):
                raise ODataError(
                    400,
                    BAD,
                    f"Invalid {set_def.name}/{column} {row[column]}: no {target} with "
                    f"{target_col}={row[column]}.",
                )

    def _defaults(self, set_def: EntitySetDef, user: str) -> dict[str, Any]:
        """Server-side values of a new record: its id and what SAP fills in itself."""
        now = self._now()
        row: dict[str, Any] = {}
        if len(set_def.key) == 1 and set_def.prop(set_def.key[0]).edm_type == "Edm.Int64":
            row[set_def.key[0]] = self._next_id(set_def.name)
        extra: dict[str, dict[str, Any]] = {
            "Candidate": {
                "externalCandidate": True,
                "candidateLocale": "zh_CN",
                "creationDateTime": now,
                "dateofAvailability": now,
            },
            "JobApplication": {
                "status": "Open",
                "jobAppGuid": uuid.uuid4().hex.upper(),
                "appLocale": "zh_CN",
            },
            "JobApplicationComments": {"commentator": user, "refType": "JOB_APPLICATION"},
            "JobRequisition": {
                "jobReqGuId": str(uuid.uuid4()),
                "createdDateTime": now,
                "internalStatus": "Approved",
            },
        }
        row.update(extra.get(set_def.name, {}))
        if set_def.name.startswith("CandidateBackground_"):
            row["bgOrderPos"] = 1
        return row

    def _application_rules(self, row: dict[str, Any], current: dict[str, Any] | None) -> None:
        """appStatusSetItemId must be a status of the requisition's status set; moving to
        the set's rejection status disqualifies the application, as SF's pipeline does."""
        req = self.tables["JobRequisition"][(row["jobReqId"],)]
        allowed = {
            r["appStatusId"]: r
            for r in self._related("JobApplicationStatus", "appStatusSetId", req["statusSetId"])
        }
        status_id = row.get("appStatusSetItemId")
        if status_id is None:
            row["appStatusSetItemId"] = status_id = min(allowed)
        if status_id not in allowed:
            raise ODataError(
                400,
                BAD,
                f"Invalid appStatusSetItemId {status_id}: not a status of status set "
                f"{req['statusSetId']} of job requisition {req['jobReqId']}.",
            )
        moved = current is None or current.get("appStatusSetItemId") != status_id
        if moved and allowed[status_id]["appStatusName"] == "Rejected":
            row["status"] = "Disqualified"
        elif moved and current is not None and current.get("status") == "Disqualified":
            row["status"] = "Open"

    def _requisition_rules(self, row: dict[str, Any]) -> None:
        """A requisition's status set comes from its template."""
        if not 1 <= row["templateId"] <= STATUS_SETS:
            raise ODataError(400, BAD, f"Invalid templateId {row['templateId']}: no such template.")
        row["statusSetId"] = row["templateId"]

    def _unique_email(self, row: dict[str, Any], current: dict[str, Any] | None) -> None:
        email = row.get("primaryEmail")
        if current is not None and email == current.get("primaryEmail"):
            return
        owners = self._related("Candidate", "primaryEmail", email)
        if any(o["candidateId"] != row.get("candidateId") for o in owners):
            raise ODataError(400, BAD, f"A candidate with primary email {email} already exists.")

    def _audit(self, app: dict[str, Any], user: str, creating: bool) -> None:
        """Append the read-only audit-trail row a status move leaves (Envers: 0 add, 1 mod)."""
        now = app["lastModifiedDateTime"]
        self._put(
            "JobApplicationStatusAuditTrail",
            {
                "revNumber": self._next_id("JobApplicationStatusAuditTrail"),
                "revType": 0 if creating else 1,
                "skippedStatus": None,
                "statusComments": app.get("statusComments"),
                "createdBy": user,
                "createdDateTime": now,
                "lastModifiedBy": user,
                "lastModifiedDateTime": now,
                "lastModifiedProxyUser": None,
                "applicationId": app["applicationId"],
                "appStatusId": app["appStatusSetItemId"],
            },
        )

    # == $batch ====================================================================================

    @route("POST", r"/odata/v2/\$batch")
    @_odata
    def batch(self, req: Request) -> Response:
        """multipart/mixed: GET parts answered one by one, changesets atomically (202)."""
        self._authenticate(req)
        boundary = multipart.boundary(req.header("content-type"))
        parts = multipart.split_multipart(req.body.decode("utf-8"), boundary)
        answers = []
        for part in parts:
            headers, content = multipart.split_headers(part)
            kind = headers.get("content-type", "").lower()
            if kind.startswith("multipart/mixed"):
                answers.append(
                    self._changeset(req, content, multipart.boundary(headers["content-type"]))
                )
            elif kind.startswith("application/http"):
                inner = multipart.parse_http(content)
                if inner[0] != "GET":
                    resp = _sap_error(400, BAD, "Modifying requests must be inside a changeset.")
                else:
                    resp = self._inner_call(req, inner)
                answers.append(multipart.http_part(resp))
            else:
                answers.append(
                    multipart.http_part(_sap_error(400, BAD, f"Unsupported part type {kind}."))
                )
        out = f"batch_{uuid.uuid4()}"
        return Response(
            202,
            multipart.join_multipart(out, answers).encode("utf-8"),
            headers={"DataServiceVersion": "2.0"},
            content_type=f"multipart/mixed; boundary={out}",
        )

    def _changeset(self, outer: Request, content: str, boundary: str) -> str:
        """All requests of a changeset land or none do; a failure answers with its response."""
        requests = [
            multipart.parse_http(multipart.split_headers(p)[1])
            for p in multipart.split_multipart(content, boundary)
        ]
        answers: list[Response] = []
        with self.lock:
            try:
                with self._atomic():
                    for inner in requests:
                        if inner[0] == "GET":
                            raise _ChangesetFailed(
                                _sap_error(400, BAD, "GET requests are not allowed in a changeset.")
                            )
                        resp = self._inner_call(outer, inner)
                        failure = _failure_of(resp)
                        if failure is not None:
                            raise _ChangesetFailed(failure)
                        answers.append(resp)
            except _ChangesetFailed as failed:
                return multipart.http_part(failed.response)
        inner_boundary = f"changeset_{uuid.uuid4()}"
        return (
            f"Content-Type: multipart/mixed; boundary={inner_boundary}\r\n\r\n"
            + multipart.join_multipart(inner_boundary, [multipart.http_part(a) for a in answers])
        )

    def _inner_call(
        self, outer: Request, inner: tuple[str, str, dict[str, str], bytes]
    ) -> Response:
        """Serve one embedded request with the batch's credentials (no faults: the batch as a
        whole already passed them)."""
        method, target, headers, body = inner
        parts = urlsplit(target)
        path = unquote(parts.path)
        if not path.startswith("/"):
            path = f"{API}/{path}"
        merged = {**headers}
        if "authorization" in outer.headers:
            merged["authorization"] = outer.headers["authorization"]
        request = Request(
            method=method,
            path=path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=merged,
            body=body,
            base_url=outer.base_url,
        )
        return self._dispatch(request)


class _Seeder:
    """Builds the candidate-side seed rows fast: plain dict literals, local lookups."""

    def __init__(
        self,
        sim: SuccessFactorsSimulator,
        rng: random.Random,
        reqs: list[dict[str, Any]],
        cum_weights: list[int],
    ) -> None:
        self.sim = sim
        self.rng = rng
        self.rnd = rng.random
        self.status_ids = {set_id: sim._status_ids(set_id) for set_id in range(1, STATUS_SETS + 1)}
        self.reqs = reqs
        self.cum = cum_weights
        self.t = sim.tables
        self.app_id = 0
        self.bg_id = 0
        self.rev = 0
        self.comment_id = 0
        self.interview_id = 0
        self.order_id = 0

    def _ago(self, days: float) -> datetime:
        return self.sim.as_of - timedelta(milliseconds=int(self.rnd() * days * 86_400_000))

    def below(self, start: int, stop: int | None = None) -> int:
        """randrange, three times faster (the seed must build 100,000 candidates quickly)."""
        if stop is None:
            start, stop = 0, start
        return start + int(self.rnd() * (stop - start))

    def pick(self, items: list[Any]) -> Any:
        return items[int(self.rnd() * len(items))]

    def candidate(self, cid: int, overrides: Mapping[str, Any] | None = None) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.85:
            surname, s_py = self.pick(SURNAMES)
            given, g_py = self.pick(GIVEN_NAMES)
            first, last, locale = given, surname, "zh_CN"
            domain = self.pick(EMAIL_DOMAINS)
            local = f"{cid * 7 + 10_000_000}" if domain == "qq.com" else f"{s_py}{g_py}{cid}"
            email = f"{local}@{domain}"
        else:
            first = self.pick(ENGLISH_FIRST)
            last = self.pick(ENGLISH_LAST)
            email, locale = f"{first}.{last}.{cid}@example.com".lower(), "en_US"
        if roll < 0.93:
            country = "CN"
            city = self.pick(CN_CITIES)
            prefix = self.pick(CN_MOBILE_PREFIXES)
            phone = f"+86 {prefix}{self.below(100_000_000):08d}"
        else:
            country, city, code = self.pick(ABROAD)
            phone = f"{code}{self.below(10_000_000):07d}"
        modified = self._ago(60)
        created = modified - timedelta(milliseconds=int(rng.random() * 200 * 86_400_000))
        title = self.pick(JOBS)[0] if rng.random() < 0.7 else None
        cand = {
            "candidateId": cid,
            "firstName": first,
            "lastName": last,
            "middleName": None,
            "contactEmail": email,
            "primaryEmail": email,
            "cellPhone": phone,
            "homePhone": None,
            "country": country,
            "city": city,
            "address": None,
            "zip": None,
            "currentTitle": title,
            "externalCandidate": rng.random() < 0.9,
            "candidateLocale": locale,
            "creationDateTime": created,
            "lastModifiedDateTime": modified,
            "dateofAvailability": self.sim.as_of + timedelta(days=self.below(7, 90)),
        }
        cand.update(overrides or {})
        self.t["Candidate"][(cid,)] = cand
        if rng.random() < 0.6:
            self.education(cid, created)
        if rng.random() < 0.5:
            self.work(cid, created, title)
        first_req = self.below(len(self.reqs))
        self.application(cand, self.reqs[first_req])
        if rng.random() < 0.5:
            other = (first_req + 1 + self.below(len(self.reqs) - 1)) % len(self.reqs)
            self.application(cand, self.reqs[other] if len(self.reqs) > 1 else self.reqs[0])

    def education(self, cid: int, created: datetime) -> None:
        self.bg_id += 1
        start_year = 2005 + self.below(16)
        degree = self.pick(DEGREES)
        years = {"Associate": 3, "Bachelor": 4, "Master": 3, "Doctorate": 5}[degree]
        self.t["CandidateBackground_Education"][(self.bg_id,)] = {
            "backgroundElementId": self.bg_id,
            "candidateId": cid,
            "bgOrderPos": 1,
            "school": self.pick(SCHOOLS),
            "schoolCountry": "CN",
            "degree": degree,
            "major": self.pick(MAJORS),
            "startDate": datetime(start_year, 9, 1, tzinfo=UTC),
            "endDate": datetime(start_year + years, 7, 1, tzinfo=UTC),
            "lastModifiedDateTime": created,
        }

    def work(self, cid: int, created: datetime, title: str | None) -> None:
        rng = self.rng
        self.bg_id += 1
        start_year = 2012 + self.below(10)
        present = rng.random() < 0.4
        self.t["CandidateBackground_OutsideWorkExperience"][(self.bg_id,)] = {
            "backgroundElementId": self.bg_id,
            "candidateId": cid,
            "bgOrderPos": 1,
            "employer": self.pick(EMPLOYERS),
            "employerCountry": "CN",
            "startTitle": title or self.pick(JOBS)[0],
            "presentEmployer": "Yes" if present else "No",
            "startDate": datetime(start_year, 1 + self.below(12), 1, tzinfo=UTC),
            "endDate": None
            if present
            else datetime(start_year + 1 + self.below(4), 6, 30, tzinfo=UTC),
            "lastModifiedDateTime": created,
        }

    def application(self, cand: dict[str, Any], req: dict[str, Any]) -> None:
        rng = self.rng
        self.app_id += 1
        app_id = self.app_id
        roll = rng.random() * self.cum[-1]
        step = next(i for i, c in enumerate(self.cum) if roll < c)
        status_id = self.status_ids[req["statusSetId"]][step]
        name = STATUS_STEPS[step][0]
        modified = self._ago(60)
        applied = modified - timedelta(milliseconds=int(rng.random() * 30 * 86_400_000))
        app = {
            "applicationId": app_id,
            "candidateId": cand["candidateId"],
            "jobReqId": req["jobReqId"],
            "appStatusSetItemId": status_id,
            "status": "Disqualified" if name == "Rejected" else "Open",
            "firstName": cand["firstName"],
            "lastName": cand["lastName"],
            "middleName": None,
            "contactEmail": cand["contactEmail"],
            "cellPhone": cand["cellPhone"],
            "country": cand["country"],
            "city": cand["city"],
            "source": self.pick(SOURCES),
            "hireDate": modified if name == "Hired" else None,
            "jobAppGuid": f"{rng.getrandbits(64):016X}",
            "appLocale": cand["candidateLocale"],
            "averageRating": Decimal(self.below(20, 50)) / 10 if step >= 2 else None,
            "currentTitle": cand["currentTitle"],
            "statusComments": None,
            "resumeUploadDate": applied,
            "lastModifiedDateTime": modified,
        }
        self.t["JobApplication"][(app_id,)] = app
        self.audit(app_id, self.status_ids[req["statusSetId"]][0], 0, applied)
        if step:
            self.audit(app_id, status_id, 1, modified)
        if rng.random() < 0.1:
            self.comment(app_id)
        if name in ("Interview", "Offer", "Hired"):
            self.interview(app_id, modified)
        if step >= 3 and rng.random() < 0.5:
            self.assessment(app_id, modified)

    def audit(self, app_id: int, status_id: int, rev_type: int, when: datetime) -> None:
        self.rev += 1
        self.t["JobApplicationStatusAuditTrail"][(self.rev,)] = {
            "revNumber": self.rev,
            "revType": rev_type,
            "skippedStatus": None,
            "statusComments": None,
            "createdBy": "recruiter01",
            "createdDateTime": when,
            "lastModifiedBy": "recruiter01",
            "lastModifiedDateTime": when,
            "lastModifiedProxyUser": None,
            "applicationId": app_id,
            "appStatusId": status_id,
        }

    def comment(self, app_id: int) -> None:
        self.comment_id += 1
        text = self.rng.choice(
            [
                "沟通顺畅，建议进入下一轮。",
                "Strong SQL; check notice period.",
                "候选人期望薪资偏高。",
            ]
        )
        self.t["JobApplicationComments"][(self.comment_id,)] = {
            "commentId": self.comment_id,
            "applicationId": app_id,
            "content": text,
            "commentator": "recruiter01",
            "refType": "JOB_APPLICATION",
            "associatedCommentId": None,
            "associatedId": None,
            "hasAssociatedComment": "false",
        }

    def interview(self, app_id: int, when: datetime) -> None:
        self.interview_id += 1
        start = when.replace(minute=0, second=0, microsecond=0) + timedelta(days=self.below(-5, 10))
        self.t["JobApplicationInterview"][(self.interview_id,)] = {
            "applicationInterviewId": self.interview_id,
            "applicationId": app_id,
            "startDate": start,
            "endDate": start + timedelta(hours=1),
            "status": "SCHEDULED",
            "notes": None,
            "source": "hrhub",
            "candSlotMapId": None,
            "lastModifiedDateTime": when,
        }

    def assessment(self, app_id: int, when: datetime) -> None:
        self.order_id += 1
        self.t["JobApplicationAssessmentOrder"][(self.order_id,)] = {
            "id": self.order_id,
            "applicationId": app_id,
            "vendorCode": "HRHUB_AI_INTERVIEW",
            "createdBy": "recruiter01",
            "createdDateTime": when,
            "lastModifiedBy": "recruiter01",
            "lastModifiedDateTime": when,
        }
        self.t["JobApplicationAssessmentReport"][(self.order_id,)] = {
            "id": self.order_id,
            "orderId": self.order_id,
            "reportURL": f"https://interview.example.cn/reports/{self.order_id}",
            "status": 3,
            "statusDate": when,
            "statusDetails": "Completed",
        }


# == module helpers ===============================================================================


def _oauth_error(status: int, code: str, message: str) -> Response:
    """The token service's own error shape (not the OData envelope)."""
    return Response(status, {"errorMessage": message, "errorCode": code}, content_type=JSON_TYPE)


def _sap_message(warnings: list[dict[str, str]]) -> str:
    """The `sap-message` header: SAP Gateway's JSON with the first message and the rest as
    details."""

    first = warnings[0]
    message = {**first, "target": "", "details": warnings[1:]}
    return json.dumps(message, ensure_ascii=True, separators=(",", ":"))


def _payload(req: Request) -> dict[str, Any]:
    body = req.json()
    if not isinstance(body, dict):
        raise ODataError(400, BAD, "The request body must be a JSON object.")
    return body


def _result_key(set_def: EntitySetDef, row: dict[str, Any]) -> str:
    """The `key` of an upsert result: `JobApplication/applicationId=741`."""
    return f"{set_def.name}/" + ",".join(f"{k}={row.get(k)}" for k in set_def.key)


def _sortable_key(key: tuple) -> tuple:
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in key)


def _failure_of(resp: Response) -> Response | None:
    """A changeset part's failure: an HTTP error, or an upsert result with an ERROR record."""
    if resp.status >= 400:
        return resp
    body = resp.body
    if isinstance(body, dict) and isinstance(body.get("d"), list):
        for result in body["d"]:
            if isinstance(result, dict) and result.get("status") == "ERROR":
                return _sap_error(
                    400, BAD, f"Upsert record {result.get('index')}: {result.get('message')}"
                )
    return None


def _resume(
    cand: dict[str, Any],
    req: dict[str, Any] | None,
    education: list[dict[str, Any]],
    work: list[dict[str, Any]],
    rng: random.Random,
) -> str:
    """A plain-text resume in the candidate's language, consistent with the profile."""
    skills = next((s for t, _, s in JOBS if req and t == req["jobTitle"]), JOBS[0][2])
    chosen = rng.sample(skills, k=min(len(skills), 3 + rng.randrange(2)))
    years = 1 + rng.randrange(12)
    chinese = cand.get("candidateLocale") == "zh_CN"
    name = (
        f"{cand['lastName']}{cand['firstName']}"
        if chinese
        else f"{cand['firstName']} {cand['lastName']}"
    )
    lines = [name, f"{cand['cellPhone']} | {cand['primaryEmail']} | {cand.get('city') or ''}"]
    if chinese:
        lines.append(f"求职意向：{req['jobTitle'] if req else '不限'}，{years}年工作经验")
        lines.append("教育背景")
        lines += [
            f"{e['startDate']:%Y.%m}-{e['endDate']:%Y.%m} {e['school']} {e['major']} {e['degree']}"
            for e in education
        ] or ["（未填写）"]
        lines.append("工作经历")
        lines += [
            f"{w['startDate']:%Y.%m}-{_until(w['endDate'], '%Y.%m', '至今')} "
            f"{w['employer']} {w['startTitle']}"
            for w in work
        ] or ["（未填写）"]
        lines.append("专业技能：" + "、".join(chosen))
    else:
        lines.append(
            f"Objective: {req['jobTitle'] if req else 'open'}; {years} years of experience"
        )
        lines.append("Education")
        lines += [
            f"{e['startDate']:%Y}-{e['endDate']:%Y} {e['school']}, {e['major']}, {e['degree']}"
            for e in education
        ] or ["(none given)"]
        lines.append("Experience")
        lines += [
            f"{w['startDate']:%Y}-{_until(w['endDate'], '%Y', 'present')} "
            f"{w['startTitle']} at {w['employer']}"
            for w in work
        ] or ["(none given)"]
        lines.append("Skills: " + ", ".join(chosen))
    return "\n".join(lines) + "\n"


def _unreadable_file(rng: random.Random) -> tuple[bytes, str, str]:
    """(content, extension, mimeType) of a resume no text parser reads, a few KB: a scanned
    PDF (one page image, no text layer) or a legacy Word .doc (OLE2 compound file)."""
    noise = rng.randbytes(2048 + rng.randrange(4096))
    if rng.random() < 0.5:
        image = (
            b"1 0 obj\n<< /Type /XObject /Subtype /Image /Width 1654 /Height 2339 "
            b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length "
            + str(len(noise)).encode()
            + b" >>\nstream\n"
        )
        pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + image + noise + b"\nendstream\nendobj\n%%EOF\n"
        return pdf, "pdf", "application/pdf"
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff"
    return ole2 + noise, "doc", "application/msword"


def _until(end: datetime | None, fmt: str, ongoing: str) -> str:
    return ongoing if end is None else format(end, fmt)


def _check_text(
    set_def: EntitySetDef, prop: Prop, value: str, warnings: list[dict[str, str]]
) -> str:
    """Length limits; a comment over the soft limit is cut and reported in `warnings`."""
    limit = prop.max_length or LONG_TEXT.get((set_def.name, prop.name)) or DEFAULT_MAX_LENGTH
    if len(value) > limit:
        raise ODataError(
            400,
            "COE_PROPERTY_EXCEED_MAX_LENGTH",
            f"[COE0023]The value of property {set_def.name}/{prop.name} exceeds the "
            f"maximum length {limit} ({len(value)} characters).",
        )
    if (set_def.name, prop.name) == ("JobApplicationComments", "content") and (
        len(value) > COMMENT_SOFT_LIMIT
    ):
        warnings.append(
            {
                "code": "COE_PROPERTY_EXCEED_MAX_LENGTH",
                "message": f"JobApplicationComments/content was {len(value)} characters "
                f"and was stored truncated to {COMMENT_SOFT_LIMIT}.",
                "severity": "error",
            }
        )
        return value[:COMMENT_SOFT_LIMIT]
    return value


def _check_picklist(set_def: EntitySetDef, prop: Prop, value: Any) -> None:
    """A picklist property takes only the tenant's option values (compared as text)."""
    options = PICKLISTS.get(prop.picklist or "")
    if options is None or value is None or value == "" or str(value) in options:
        return
    raise ODataError(
        400,
        "COE_INVALID_PICKLIST_VALUE",
        f"Invalid picklist value {value!r} for {set_def.name}/{prop.name} "
        f"(picklist {prop.picklist}).",
    )
