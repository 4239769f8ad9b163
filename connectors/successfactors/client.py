"""SAP SuccessFactors OData v2 client: auth (Basic or OAuth SAML bearer), server-paged reads,
and upsert batches with per-record outcomes.

No Airflow here. Reads follow SAP's integration rules: only records modified since the
watermark (`lastModifiedDateTime ge datetimeoffset'...'`), server-side snapshot paging through
`__next`, never `$top/$skip` walks (KBA 2675265). Writes go through `upsert`, which answers
HTTP 200 even when records fail, so each record's status is read and reported on its own.
Resumes are SAP attachments, read as raw bytes: in bulk, IN_CHUNK applications a call with
the attachment expanded inline (`fetch_resumes`, what KBA 2735876 asks for), or one
application at a time (`fetch_resume`). Whether they are readable text is for the resume
parser to decide, not the connector.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from connectors._core.error_table import ErrorTable
from connectors._core.errors import (
    ConfigError,
    DataContractError,
    FatalError,
    RecordRejected,
    RetriableError,
)
from connectors._core.http import ApiClient
from connectors._core.pagination import NextUrlPaginator
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector
from connectors._core.write import WriteOutcome
from connectors.successfactors import saml

SYSTEM = "successfactors"
API = "/odata/v2"
UPSERT_MAX = 1000  # SAP: "Upsert content exceeds the limitation, the maximum size is 1000"
IN_CHUNK = 100  # values per `in (...)` filter, to keep URLs well under gateway limits
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:saml2-bearer"
STATUS_FIELDS = ("appStatusSetId", "appStatusId", "appStatusName")
# An application id as hrhub passes it: SAP's key ("7001") or the canonical id naming it.
APPLICATION_ID = re.compile(rf"(?:{SYSTEM}:application:)?([0-9]+)")


@dataclass(frozen=True)
class ResumeFile:
    """One application's resume as SAP stores it: the file's bytes, undecoded."""

    file_name: str
    mime_type: str
    content: bytes


class SuccessFactorsClient(ApiClient):
    """One SuccessFactors company (API server + company id), one session, one token."""

    def __init__(
        self,
        base_url: str,
        *,
        company_id: str,
        username: str,
        password: str | None = None,
        auth: str = "basic",
        client_id: str | None = None,
        private_key_pem: bytes | str | None = None,
        page_size: int = 1000,
        **kwargs: Any,
    ) -> None:
        spec = get_connector(SYSTEM)
        kwargs.setdefault("error_table", ErrorTable.from_manifest(spec.errors))
        kwargs.setdefault("rate_budget", RateBudget.from_manifest(spec.rate_budget))
        super().__init__(base_url, system=SYSTEM, **kwargs)
        if not company_id or not username:
            raise ConfigError("the connection needs a company id and a user", system=SYSTEM)
        if auth == "basic" and not password:
            raise ConfigError("basic auth needs a password", system=SYSTEM)
        if auth == "oauth" and not (client_id and private_key_pem):
            raise ConfigError(
                "OAuth needs the API key (client_id) and the private key of its certificate",
                system=SYSTEM,
            )
        if auth not in ("basic", "oauth"):
            raise ConfigError(f"auth must be 'basic' or 'oauth', not {auth!r}", system=SYSTEM)
        if not 1 <= page_size <= 1000:
            raise ConfigError("page_size must be between 1 and 1000 (SAP's cap)", system=SYSTEM)
        self.company_id = company_id
        self.username = username
        self.auth_mode = auth
        self.client_id = client_id
        self.page_size = page_size
        self.operations = {op["name"]: op for op in spec.manifest.get("operations", [])}
        if isinstance(private_key_pem, str):
            private_key_pem = private_key_pem.encode()
        self._private_key_pem = private_key_pem
        if password:
            self.redactor.add_secret(password)
        if auth == "basic":
            self.session.auth = (f"{username}@{company_id}", password or "")
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self._statuses: dict[tuple[str, str], str] | None = None

    # -- auth -------------------------------------------------------------------------------

    def _fetch_token(self) -> str:
        assertion = saml.build_assertion(
            client_id=self.client_id or "",
            user_id=self.username,
            company_id=self.company_id,
            token_url=self.url("/oauth/token"),
            private_key_pem=self._private_key_pem or b"",
        )
        self.redactor.add_secret(assertion)
        body = self.request_json(
            "POST",
            "/oauth/token",
            data={
                "client_id": self.client_id,
                "company_id": self.company_id,
                "grant_type": GRANT_TYPE,
                "assertion": assertion,
            },
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise DataContractError("/oauth/token answered without access_token", system=SYSTEM)
        self.redactor.add_secret(token)
        # Renew a minute early so a long page never starts on a token about to lapse.
        self._token_expires = time.monotonic() + max(0, int(body.get("expires_in", 0)) - 60)
        return token

    def _bearer(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires:
                self._token = self._fetch_token()
            return self._token

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self.auth_mode == "oauth" and not kwargs["url"].endswith("/oauth/token"):
            kwargs["headers"]["Authorization"] = f"Bearer {self._bearer()}"
        kwargs["headers"].setdefault("Accept", "application/json")
        return kwargs

    def refresh_auth(self) -> bool:
        if self.auth_mode != "oauth":
            return False
        with self._token_lock:
            self._token = None
        self._bearer()
        return True

    def vendor_error(self, resp: requests.Response) -> tuple[str | None, str | None] | None:
        """SAP's error JSON on a failure, the OAuth error body, or `sap-message` on a 200."""
        header = resp.headers.get("sap-message")
        if resp.ok:
            if header:
                message = _parse_sap_message(header)
                if str(message.get("severity", "")).lower() == "error":
                    return _text(message.get("code")), _text(message.get("message"))
            return None
        try:
            body = resp.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
            value = error.get("message")
            text = value.get("value") if isinstance(value, dict) else value
            return _text(error.get("code")), _text(text)
        if isinstance(body, dict) and "errorMessage" in body:
            return _text(body.get("errorCode")), _text(body.get("errorMessage"))
        return None

    # -- the connector contract -------------------------------------------------------------

    def check(self) -> str:
        """One cheap authenticated read, for `test_connection`."""
        self.request_json("GET", f"{API}/JobRequisition", params={"$top": 1, "$format": "json"})
        return f"connected to company {self.company_id} as {self.username} ({self.auth_mode})"

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of an entity set modified since `since` (minus the overlap window)."""
        spec = get_connector(SYSTEM).stream(stream)
        params: dict[str, Any] = {
            "$format": "json",
            "paging": "snapshot",
            "customPageSize": self.page_size,
            "$orderby": "lastModifiedDateTime asc",
        }
        if since:
            start = shift_watermark(since, -overlap_seconds)
            params["$filter"] = f"lastModifiedDateTime ge datetimeoffset'{start}'"
        if spec.expand:
            params["$expand"] = ",".join(spec.expand)
        yield from self.paginate(
            f"{API}/{stream}",
            paginator=NextUrlPaginator("d.__next"),
            params=params,
            data_selector="d.results",
        )

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        """lastModifiedDateTime as a fixed-width UTC ISO string, which sorts as text."""
        value = record.get("lastModifiedDateTime")
        try:
            return format_watermark(parse_sap_date(value)) if value else None
        except DataContractError as exc:
            exc.field = "lastModifiedDateTime"
            raise

    # -- resumes ----------------------------------------------------------------------------

    def fetch_resume(self, application_id: int | str) -> ResumeFile:
        """The resume attachment of one application (`JobApplication(<id>L)/resume`).

        Takes SAP's id (7001, "7001") or the canonical one ("successfactors:application:7001").
        An application without a resume, or unknown to the tenant, is RecordRejected for that
        application: the screening batch dead-letters it and goes on. A `fileContent` that is
        not base64 is a DataContractError. The bytes come back as stored, whatever they hold.
        """
        key = application_key(application_id)
        try:
            body = self.request_json(
                "GET", f"{API}/JobApplication({key}L)/resume", params={"$format": "json"}
            )
        except FatalError as exc:
            if exc.status != 404:
                raise
            raise RecordRejected(
                f"JobApplication({key}) has no resume to read: {exc.message}",
                system=SYSTEM,
                status=exc.status,
                vendor_code=exc.vendor_code,
                response=exc.response,
                record_id=key,
                field="resume",
            ) from None
        return _resume_file(body.get("d") if isinstance(body, dict) else None, key)

    def fetch_resumes(
        self, application_ids: Iterable[int | str]
    ) -> dict[str, ResumeFile | RecordRejected]:
        """The resume of each application, IN_CHUNK applications per call.

        One `JobApplication?$filter=applicationId in (...)&$expand=resume` read per chunk (its
        `__next` pages followed) instead of one `/resume` call per application: at the rate
        budget that is the difference between 10 resumes a second and about IN_CHUNK times
        that. Ids as `fetch_resume` takes them; the answer is keyed by SAP's bare id ("7001")
        and has every id asked. An application without a resume (`"resume": null`) or unknown
        to the tenant maps to the RecordRejected `fetch_resume` raises for it, so a caller
        treats both ways alike; a malformed attachment raises DataContractError.
        """
        if isinstance(application_ids, str | int):  # one id would be read digit by digit
            raise TypeError("fetch_resumes takes a collection of ids; use fetch_resume for one")
        keys = list(dict.fromkeys(application_key(i) for i in application_ids))
        resumes: dict[str, ResumeFile | RecordRejected] = {}
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            rows = self._query(
                "JobApplication",
                f"applicationId in ({','.join(chunk)})",
                "applicationId,resume",
                expand="resume",
            )
            found = {str(row.get("applicationId")): row for row in rows}
            for key in chunk:
                row = found.get(key)
                if row is None or row.get("resume") is None:
                    why = "no such application" if row is None else "the application has none"
                    resumes[key] = RecordRejected(
                        f"JobApplication({key}) has no resume to read: {why}",
                        system=SYSTEM,
                        record_id=key,
                        field="resume",
                    )
                else:
                    resumes[key] = _resume_file(row["resume"], key)
        return resumes

    # -- writes -----------------------------------------------------------------------------

    def write(self, operation: str, records: list[dict[str, Any]]) -> list[WriteOutcome]:
        """Upsert `records` for one operation, in batches of at most 1000, one outcome each.

        Before sending, records are completed from the tenant: a status name becomes the
        requisition's appStatusSetItemId, a hub interview's canonical id (interviewSource)
        becomes the applicationInterviewId of the interview record hrhub created, and a record
        an earlier write already created (found by the operation's `match_on` fields) gets its
        key, so a retried create updates it. A record that cannot be completed gets its own
        outcome and is not sent.
        """
        op = self.operations.get(operation)
        if op is None:
            known = ", ".join(sorted(self.operations)) or "none"
            raise ConfigError(f"no operation {operation!r} (known: {known})", system=SYSTEM)
        target, key = op["target"], op.get("key")
        prepared = [dict(r) for r in records]
        resolve = {
            "application_status": self._resolve_statuses,
            "interview_assessment": self._resolve_interviews,
        }.get(operation)
        outcomes: dict[int, WriteOutcome] = resolve(prepared) if resolve else {}
        ready = [(i, r) for i, r in enumerate(prepared) if i not in outcomes]
        for start in range(0, len(ready), UPSERT_MAX):
            chunk = ready[start : start + UPSERT_MAX]
            results = self._upsert([r for _, r in chunk], target, key, op.get("match_on"))
            for (index, _), outcome in zip(chunk, results, strict=True):
                outcomes[index] = WriteOutcome(
                    index=index, ok=outcome.ok, remote_id=outcome.remote_id, error=outcome.error
                )
        return [outcomes[i] for i in range(len(records))]

    # Records hrhub creates and owns: the ones a reconciliation may re-create when they are
    # gone. An application's status lives on SAP's own record and is never re-created.
    read_back_operations = ("application_interview", "interview_assessment", "comment")

    def absent(self, operation: str, remote_ids: Iterable[str]) -> set[str]:
        """Which of these landed writes SuccessFactors no longer holds (deleted since), asked
        in bulk by key: what the daily reconciliation repairs. A remote id is the key an
        upsert answered (`JobApplicationInterview/applicationInterviewId=12`); one this
        client cannot read back raises DataContractError naming it."""
        op = self.operations.get(operation)
        if op is None or operation not in self.read_back_operations:
            known = ", ".join(self.read_back_operations)
            raise ConfigError(f"cannot read back {operation!r} (only {known})", system=SYSTEM)
        keys: dict[str, str] = {}
        for remote_id in remote_ids:
            entity_set, _, key_part = str(remote_id).partition("/")
            field, _, value = key_part.partition("=")
            if entity_set != op["target"] or not field or not value or "," in key_part:
                raise DataContractError(
                    f"cannot read back {remote_id!r}: not a {op['target']} key",
                    system=SYSTEM,
                    record_id=str(remote_id),
                )
            keys[value] = str(remote_id)
        if not keys:
            return set()
        field = str(next(iter(keys.values()))).partition("/")[2].partition("=")[0]
        present = {str(row.get(field)) for row in self._query_in(op["target"], field, keys, field)}
        return {remote_id for value, remote_id in keys.items() if value not in present}

    def _upsert(
        self,
        records: list[dict[str, Any]],
        target: str,
        key: str | None,
        match_on: list[str] | None,
    ) -> list[WriteOutcome]:
        """One upsert call, retried as a whole: each attempt first looks for the rows an
        earlier attempt may have created (its answer lost on the way back), so a retried
        create becomes an update of that row instead of a duplicate."""

        def attempt() -> list[WriteOutcome]:
            batch = [dict(r) for r in records]
            if match_on and key:
                self._attach_existing_keys(target, key, match_on, batch)
            body = self.request_json(
                "POST",
                f"{API}/upsert",
                params={"$format": "json"},
                json=[_with_metadata(target, key, record) for record in batch],
                retry=False,
            )
            return _upsert_outcomes(body, len(batch), target)

        return self.retry_policy.copy()(attempt)

    # -- completing records from the tenant -------------------------------------------------

    def _query(
        self, entity_set: str, filter_: str, select: str, expand: str | None = None
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        params = {"$format": "json", "$filter": filter_, "$select": select}
        if expand:
            params["$expand"] = expand
        for page in self.paginate(
            f"{API}/{entity_set}",
            paginator=NextUrlPaginator("d.__next"),
            params=params,
            data_selector="d.results",
        ):
            rows.extend(_checked_rows(entity_set, page, select.split(","), len(rows)))
        return rows

    def _query_in(
        self, entity_set: str, field: str, values: Iterable[Any], select: str, quote: bool = False
    ) -> list[dict[str, Any]]:
        """Rows whose `field` is one of `values`, asked in chunks (SAP: `in` over per-key calls)."""
        unique = sorted({str(v) for v in values if v not in (None, "")})
        rows: list[dict[str, Any]] = []
        for start in range(0, len(unique), IN_CHUNK):
            chunk = unique[start : start + IN_CHUNK]
            literals = ",".join(_literal(v, quote) for v in chunk)
            rows.extend(self._query(entity_set, f"{field} in ({literals})", select))
        return rows

    def _resolve_statuses(self, records: list[dict[str, Any]]) -> dict[int, WriteOutcome]:
        """appStatusName -> appStatusSetItemId in each application's requisition status set."""
        apps = {
            str(a["applicationId"]): str(a["jobReqId"])
            for a in self._query_in(
                "JobApplication",
                "applicationId",
                (r.get("applicationId") for r in records),
                "applicationId,jobReqId",
            )
        }
        sets = {
            str(r["jobReqId"]): str(r["statusSetId"])
            for r in self._query_in(
                "JobRequisition", "jobReqId", apps.values(), "jobReqId,statusSetId"
            )
        }
        items = self._status_items()
        rejected: dict[int, WriteOutcome] = {}
        for index, record in enumerate(records):
            app_id = str(record.get("applicationId"))
            name = record.pop("appStatusName", None)
            status_set = sets.get(apps.get(app_id, ""), "")
            item = items.get((status_set, name or ""))
            if item is None:
                why = (
                    f"JobApplication({app_id}) not found"
                    if app_id not in apps
                    else f"status {name!r} is not in the status set of requisition {apps[app_id]}"
                )
                rejected[index] = WriteOutcome(
                    index=index,
                    ok=False,
                    error=RecordRejected(
                        why, system=SYSTEM, record_id=app_id, field="appStatusName"
                    ),
                )
                continue
            record["appStatusSetItemId"] = item
        return rejected

    def _resolve_interviews(self, records: list[dict[str, Any]]) -> dict[int, WriteOutcome]:
        """interviewSource -> interviewRefId: the applicationInterviewId of the
        JobApplicationInterview whose `source` is that hub interview's canonical id.

        hrhub books its interviews itself; the invite's application_interview write creates
        their SuccessFactors record, marked with that id. An assessment whose record is not
        there (yet) is retriable: it waits in the queue for that write instead of failing.
        """
        found: dict[str, str] = {}
        for row in self._query_in(
            "JobApplicationInterview",
            "source",
            (r.get("interviewSource") for r in records),
            "applicationInterviewId,source",
            quote=True,
        ):
            interview_id = str(row["applicationInterviewId"])
            if not (interview_id.isascii() and interview_id.isdigit()):
                raise DataContractError(
                    f"JobApplicationInterview applicationInterviewId {interview_id!r} is not "
                    "a number",
                    system=SYSTEM,
                    record_id=str(row["source"]),
                    field="applicationInterviewId",
                )
            previous = found.get(str(row["source"]))
            if previous is None or int(interview_id) < int(previous):
                found[str(row["source"])] = interview_id  # the first made, should two exist
        refused: dict[int, WriteOutcome] = {}
        for index, record in enumerate(records):
            source = record.pop("interviewSource", None)
            interview_id = found.get(str(source)) if source not in (None, "") else None
            if interview_id is not None:
                record["interviewRefId"] = interview_id
                continue
            error: RecordRejected | RetriableError
            if source in (None, ""):
                error = RecordRejected(
                    f"InterviewOverallAssessment record {index} names no interview: "
                    "interviewSource (the hub interview's canonical id) is required",
                    system=SYSTEM,
                    record_id=str(index),
                    field="interviewSource",
                )
            else:
                error = RetriableError(
                    f"interview {source} is not in {SYSTEM} yet: no JobApplicationInterview "
                    f"with source {source!r}. The interview record is created by the invite's "
                    "application_interview write; this assessment waits for it",
                    system=SYSTEM,
                    record_id=str(source),
                    field="interviewSource",
                )
            refused[index] = WriteOutcome(index=index, ok=False, error=error)
        return refused

    def _status_items(self) -> dict[tuple[str, str], str]:
        """(status set, status name) -> appStatusId, read once per client.

        SAP's metadata marks appStatusSetId not filterable, and a tenant has few statuses, so
        the whole set is read and kept.
        """
        if self._statuses is None:
            rows: list[dict[str, Any]] = []
            for page in self.paginate(
                f"{API}/JobApplicationStatus",
                paginator=NextUrlPaginator("d.__next"),
                params={"$format": "json", "$select": ",".join(STATUS_FIELDS)},
                data_selector="d.results",
            ):
                rows.extend(_checked_rows("JobApplicationStatus", page, STATUS_FIELDS, len(rows)))
            self._statuses = {
                (str(r["appStatusSetId"]), r["appStatusName"]): str(r["appStatusId"])
                for r in rows
                if isinstance(r["appStatusName"], str)  # a status without a name is not asked
            }
        return self._statuses

    def _attach_existing_keys(
        self, target: str, key: str, match_on: list[str], records: list[dict[str, Any]]
    ) -> None:
        """Give each record the key of the row an earlier write made with the same fields."""
        first = match_on[0]
        existing = self._query_in(
            target, first, (r.get(first) for r in records), ",".join([key, *match_on])
        )
        found = {tuple(str(row.get(f)) for f in match_on): row[key] for row in existing}
        for record in records:
            match = found.get(tuple(str(record.get(f)) for f in match_on))
            if match is not None and key not in record:
                record[key] = match


def application_key(application_id: int | str) -> str:
    """SAP's JobApplication key from a bare or canonical id; ValueError for anything else."""
    text = str(application_id).strip() if isinstance(application_id, int | str) else ""
    match = APPLICATION_ID.fullmatch(text)
    if isinstance(application_id, bool) or match is None:
        raise ValueError(
            f"not a {SYSTEM} application id: {application_id!r} "
            f"(expected 7001 or '{SYSTEM}:application:7001')"
        )
    return str(int(match.group(1)))


def _resume_file(attachment: Any, key: str) -> ResumeFile:
    """An application's resume Attachment (the `/resume` read's `d`, or the expanded `resume`)
    -> ResumeFile; DataContractError naming the application."""
    if not isinstance(attachment, dict):
        raise DataContractError(
            f"JobApplication({key})/resume answered {type(attachment).__name__}, "
            "not an attachment object",
            system=SYSTEM,
            record_id=key,
        )
    if "__deferred" in attachment:
        raise DataContractError(
            f"JobApplication({key})/resume came back deferred: the tenant did not expand it",
            system=SYSTEM,
            record_id=key,
            field="resume",
        )
    content = attachment.get("fileContent")
    if not isinstance(content, str):
        raise DataContractError(
            f"JobApplication({key})/resume: fileContent is {type(content).__name__}, "
            "expected base64 text",
            system=SYSTEM,
            record_id=key,
            field="fileContent",
        )
    try:
        # Edm.Binary is base64 text; some gateways wrap it in lines, which carry no data.
        data = base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DataContractError(
            f"JobApplication({key})/resume: fileContent is not valid base64 ({exc})",
            system=SYSTEM,
            record_id=key,
            field="fileContent",
        ) from None
    return ResumeFile(
        file_name=str(attachment.get("fileName") or f"resume_{key}"),
        mime_type=str(attachment.get("mimeType") or "application/octet-stream"),
        content=data,
    )


def _checked_rows(
    entity_set: str, rows: list[Any], fields: Iterable[str], offset: int = 0
) -> list[dict[str, Any]]:
    """Rows of a `$select` read as SAP sends them: objects holding every selected property
    (null allowed). Anything else is a DataContractError naming the set, the row and the field.
    """
    wanted = [f.partition("/")[0] for f in fields if f]
    for position, row in enumerate(rows, start=offset):
        if not isinstance(row, dict):
            raise DataContractError(
                f"{entity_set} row {position} is {type(row).__name__}, not an object",
                system=SYSTEM,
                record_id=str(position),
            )
        missing = next((f for f in wanted if f not in row), None)
        if missing is not None:
            raise DataContractError(
                f"{entity_set} row {position} lacks the selected property {missing}",
                system=SYSTEM,
                record_id=str(position),
                field=missing,
            )
    return rows


def _literal(value: str, quote: bool) -> str:
    if quote or not value.lstrip("-").isdigit():
        return "'" + value.replace("'", "''") + "'"
    return value


def _with_metadata(target: str, key: str | None, record: dict[str, Any]) -> dict[str, Any]:
    """Add `__metadata`: the key URI when the record has its key (update), else the set."""
    if "__metadata" in record:
        return record
    uri = f"{target}({key}={record[key]}L)" if key and record.get(key) else target
    return {"__metadata": {"uri": uri, "type": f"SFOData.{target}"}, **record}


def _upsert_outcomes(body: Any, expected: int, target: str) -> list[WriteOutcome]:
    """Read SAP's per-record upsert results (HTTP 200 even when records fail)."""
    results = body.get("d") if isinstance(body, dict) else None
    if not isinstance(results, list) or len(results) != expected:
        raise DataContractError(
            f"upsert answered {type(results).__name__} with "
            f"{len(results) if isinstance(results, list) else '?'} results for {expected} records",
            system=SYSTEM,
        )
    outcomes = []
    for position, result in enumerate(results):
        if not isinstance(result, dict):
            raise DataContractError(
                f"upsert result {position} is {type(result).__name__}, not an object",
                system=SYSTEM,
                record_id=str(position),
            )
        try:
            index = int(result.get("index", position))
        except (TypeError, ValueError):  # the index only labels the message: ours will do
            index = position
        key = result.get("key")
        if key is not None and not isinstance(key, str):
            error = DataContractError(
                f"{target} record {index}: upsert answered key {key!r}, not text",
                system=SYSTEM,
                record_id=str(index),
                field="key",
            )
            outcomes.append(WriteOutcome(index=index, ok=False, error=error))
            continue
        if result.get("status") == "OK":
            outcomes.append(WriteOutcome(index=index, ok=True, remote_id=key))
            continue
        error = RecordRejected(
            f"{target} record {index}: {result.get('message') or 'rejected without a message'}",
            system=SYSTEM,
            status=result.get("httpCode"),
            record_id=key or str(index),
        )
        outcomes.append(WriteOutcome(index=index, ok=False, error=error))
    return outcomes


def _text(value: Any) -> str | None:
    """A code or message from an error body as text, whatever JSON type the server used."""
    return None if value is None else str(value)


def _parse_sap_message(header: str) -> dict[str, Any]:
    try:
        data = json.loads(header)
    except ValueError:
        return {"message": header, "severity": "error"}
    return data if isinstance(data, dict) else {"message": header, "severity": "error"}


def parse_sap_date(value: str) -> datetime:
    """`/Date(ms)/`, `/Date(ms+0000)/` or an ISO string -> aware UTC datetime.

    The milliseconds are UTC whatever offset follows them (OData v2 JSON).
    """
    text = str(value)
    if text.startswith("/Date(") and text.endswith(")/"):
        inner = text[6:-2]
        digits = inner.lstrip("-")
        cut = next((i for i, ch in enumerate(digits) if ch in "+-"), len(digits))
        try:
            millis = int(inner[: len(inner) - len(digits) + cut])
            return datetime.fromtimestamp(millis / 1000, tz=UTC)
        except (ValueError, OverflowError, OSError) as exc:  # not digits, or off the calendar
            raise DataContractError(f"not a SAP date: {value!r}", system=SYSTEM) from exc
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataContractError(f"not a SAP date: {value!r}", system=SYSTEM) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_watermark(moment: datetime) -> str:
    """Fixed-width UTC with milliseconds and Z: what the filter literal and the ledger take.

    isoformat pads the year to four digits; strftime's %Y does not (year 5 -> "5-01-01").
    """
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shift_watermark(value: str, seconds: int) -> str:
    moment = parse_sap_date(value)
    try:
        return format_watermark(moment + timedelta(seconds=seconds))
    except OverflowError:  # a watermark at the calendar's edge (year 1) cannot move past it
        return format_watermark(moment)
