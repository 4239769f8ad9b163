"""`NcSoapClient`: hrhub's side of NC 6.x's Axis SOAP services, through zeep.

zeep builds and parses the envelopes; everything else is hrhub's usual machinery. zeep's HTTP
goes through `ApiClient.request` (a Transport subclass), so the rate budget, the error table,
the one retry policy and redaction apply to SOAP calls as to every REST call, and a SOAP
Fault is classified by connector.yaml's rules (`vendor_error` reports the faultcode's local
name and the faultstring) before zeep ever sees it.

The WSDL is parsed once per process (`load_wsdl`): a zeep `Document` is costly to build and
the same for every client of a service. The bundled copy (wsdl/) is the default, so a run
downloads nothing; a remote `?wsdl` is fetched through zeep's SqliteCache. Either way the
service address is the connection's host, never the WSDL's `soap:address`: NC servers behind
a proxy publish their internal host name there.

NC passes XML documents as strings (`ncxml` builds and parses them): a payload that is unsafe
(DOCTYPE) or malformed is a DataContractError naming the operation, never a crash and never
a file read. Writes return one `WriteOutcome` per record:
- `nc_pre_hire` (savePsndoc): each person is looked up by id number first and created only if
  absent; a duplicate answer (-32001) carries the existing key and counts as landed, so a
  retried or replayed write never makes a second person;
- `nc_interview_result` (saveInterviewResult) and `nc_checkin` (saveCheckin, a new hire's
  first-week check-ins): bills with replace="Y" keyed by the hub's bill id, so a repeated bill
  replaces itself.

Read back (`absent`, for the daily reconciliation): only `nc_pre_hire`. The service reads
persons by ts alone (queryPsndocByTs, as NC's own data bus does), so the whole person list is
read and a pk missing from it is read once more before it counts as gone. It has no query for
interview results or check-ins, so those are not read back.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import zeep
from lxml import etree
from zeep.cache import SqliteCache
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsdl.bindings.soap import Soap11Binding
from zeep.wsse.username import UsernameToken

from connectors._core.error_table import ErrorTable
from connectors._core.errors import (
    ConfigError,
    ConnectorError,
    DataContractError,
    FatalError,
    RecordRejected,
    RetriableError,
)
from connectors._core.http import ApiClient
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector
from connectors._core.write import BatchBreaker, WriteOutcome
from connectors.yonyou import ncxml
from connectors.yonyou.ncxml import NC_SERVICE, SOAPENV, WSDL_DIR
from connectors.yonyou.plugins import RedactingLogPlugin

__all__ = ["BUNDLED_WSDL", "SETTINGS", "NcSoapClient", "default_error_table", "load_wsdl"]

SYSTEM = "yonyou"
BUNDLED_WSDL = WSDL_DIR / "IHrhubRecruitService.wsdl"
TS_FMT = "%Y-%m-%d %H:%M:%S"
MAX_BILLS = 500  # savePsndoc / saveInterviewResult refuse larger calls as a whole
MAX_PAGE_SIZE = 1000
OK, INVALID, DUPLICATE = 1, -32000, -32001

# Strict parsing, no DTDs, no entities, no fetches the WSDL itself did not ask for.
SETTINGS = zeep.Settings(
    strict=True,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
    xml_huge_tree=False,
)

STREAMS = {  # stream -> (operation, primary key)
    "nc_persons": ("queryPsndocByTs", "pk_psndoc"),
    "nc_applicants": ("queryApplicantByTs", "pk_applicant"),
}
WRITES = {  # operation -> (NC operation, roottag / billtype)
    "nc_pre_hire": ("savePsndoc", "psndoc"),
    "nc_interview_result": ("saveInterviewResult", "interviewresult"),
    "nc_checkin": ("saveCheckin", "checkin"),
}
_FIELD = re.compile(r"^\s*(?:billhead\.)?(?P<field>bill\.id|[A-Za-z_]\w*)\s*:")

_DOCUMENTS: dict[tuple[str, int | None], Document] = {}
_DOCUMENTS_LOCK = threading.Lock()


def default_error_table() -> ErrorTable:
    """connector.yaml's `errors` for yonyou: the contract for NC's fault codes."""
    return ErrorTable.from_manifest(get_connector(SYSTEM).errors)


def _is_remote(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def _cache_key(source: str) -> tuple[str, int | None]:
    if _is_remote(source):
        return source, None
    path = source[len("file://") :] if source.startswith("file://") else source
    try:
        return source, os.stat(path).st_mtime_ns
    except OSError:
        return source, None


def load_wsdl(source: str, transport: Transport, *, use_cache: bool = True) -> Document:
    """The parsed WSDL at `source` (a path or URL), parsed with `SETTINGS`.

    With `use_cache` the Document is kept for the process, keyed by the source and, for a
    file, its modification time (an edited file is parsed again). ConfigError when the WSDL
    cannot be read or is invalid; RetriableError when the server could not be reached.
    """
    key = _cache_key(source)
    if use_cache:
        with _DOCUMENTS_LOCK:
            cached = _DOCUMENTS.get(key)
        if cached is not None:
            return cached
    try:
        document = Document(source, transport, settings=SETTINGS)
    except FatalError as exc:  # the server answered, but not with a WSDL (404, a fault)
        raise ConfigError(
            f"cannot fetch the WSDL {source}: {exc.message}",
            system=SYSTEM,
            status=exc.status,
            vendor_code=exc.vendor_code,
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise RetriableError(
            f"cannot fetch the WSDL {source}: {type(exc).__name__}", system=SYSTEM
        ) from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        raise ConfigError(
            f"cannot fetch the WSDL {source}: HTTP {status}", system=SYSTEM, status=status
        ) from None
    except (zeep.exceptions.Error, etree.XMLSyntaxError, OSError, ValueError) as exc:
        raise ConfigError(
            f"the WSDL {source} is not usable: {type(exc).__name__}: {_first_line(exc)}",
            system=SYSTEM,
        ) from None
    if use_cache:
        with _DOCUMENTS_LOCK:
            document = _DOCUMENTS.setdefault(key, document)
    return document


def default_cache_dir() -> Path:
    """Where zeep's SqliteCache keeps remote WSDLs: $HRHUB_HOME/.hrhub/cache or ~/.cache/hrhub."""
    home = os.environ.get("HRHUB_HOME")
    return Path(home) / ".hrhub" / "cache" if home else Path.home() / ".cache" / "hrhub"


class _ApiTransport(Transport):
    """zeep's transport with its HTTP sent by the NcSoapClient (budget, errors, retry).

    SOAP calls are POSTs; a remote WSDL is a GET, read with the load timeout instead of the
    operation timeout. Local files are still read by zeep itself.
    """

    def __init__(self, api: NcSoapClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._api = api

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> requests.Response:
        return self._api.request("POST", address, data=message, headers=headers)

    def _load_remote_data(self, url: str) -> bytes:
        timeout = (self._api.timeout[0], self.load_timeout)
        return self._api.request("GET", url, timeout=timeout).content


class NcSoapClient(ApiClient):
    """One NC server's `/uapws/service/<service>`, as a WS-Security user."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        service: str = NC_SERVICE,
        wsdl: str | None = None,
        page_size: int = 500,
        operation_timeout: float = 60.0,
        timeout: tuple[float, float] = (5.0, 30.0),
        rate_budget: RateBudget | None = None,
        error_table: ErrorTable | None = None,
        cache_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        """`timeout` is (connect, read): connect for every call, read for fetching a remote
        WSDL; a SOAP operation may take `operation_timeout` seconds to answer. Other keyword
        arguments (retry, session, redactor) go to ApiClient."""
        if not username or not password:
            raise ConfigError("the connection needs the NC user (login) and password")
        if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {page_size!r}")
        if not isinstance(operation_timeout, int | float) or not operation_timeout > 0:
            raise ConfigError(f"operation_timeout must be > 0 s, not {operation_timeout!r}")
        super().__init__(
            base_url,
            system=SYSTEM,
            timeout=timeout,
            rate_budget=rate_budget,
            error_table=error_table or default_error_table(),
            **kwargs,
        )
        self.redactor.add_secret(password)
        self.load_timeout = self.timeout[1]
        # A call is a SOAP operation unless it says otherwise (a WSDL download).
        self.timeout = (self.timeout[0], float(operation_timeout))
        self.operation_timeout = float(operation_timeout)
        self.username = username
        self.service_name = service
        self.page_size = page_size
        self.address = f"{self.base_url}/uapws/service/{service}"
        self.wsdl_source = wsdl or str(BUNDLED_WSDL)
        cache = None
        if _is_remote(self.wsdl_source):
            folder = cache_dir or default_cache_dir()
            folder.mkdir(parents=True, exist_ok=True)
            cache = SqliteCache(path=str(folder / "zeep-wsdl.sqlite"), timeout=24 * 3600)
        self.transport = _ApiTransport(
            self,
            cache=cache,
            timeout=self.load_timeout,
            operation_timeout=self.operation_timeout,
        )
        try:
            document = load_wsdl(self.wsdl_source, self.transport)
            binding = _soap11_binding(document)
        except Exception:
            self.close()
            raise
        self.zeep = zeep.Client(
            document,
            wsse=UsernameToken(username, password),
            transport=self.transport,
            plugins=[RedactingLogPlugin(redactor=self.redactor)],
            settings=SETTINGS,
        )
        self._service = self.zeep.create_service(binding, self.address)

    # -- errors: SOAP faults -------------------------------------------------------------------

    def vendor_error(self, resp: requests.Response) -> tuple[str | None, str | None] | None:
        """(faultcode local name, faultstring) of a SOAP Fault in the body, else None."""
        content = resp.content or b""
        if b"Fault" not in content:
            return None
        try:
            envelope = ncxml.parse(content, what="SOAP answer")
        except ValueError:
            return None
        fault = envelope.find(f"{{{SOAPENV}}}Body/{{{SOAPENV}}}Fault")
        if fault is None:
            return None
        code = (ncxml.text_of(ncxml.child(fault, "faultcode")) or "").strip()
        message = ncxml.text_of(ncxml.child(fault, "faultstring")) or ""
        return code.rpartition(":")[2] or None, message.strip()

    # -- calls ---------------------------------------------------------------------------------

    def call(self, operation: str, payload: str | None, *, context: str = "") -> str:
        """One SOAP operation: the inner request string in, the inner answer string out."""
        where = f"{operation} ({context})" if context else operation
        try:
            method = self._service[operation]
        except AttributeError:
            raise ConfigError(
                f"the WSDL of {self.service_name} has no operation {operation!r}", system=SYSTEM
            ) from None
        try:
            answer = method(string=payload)
        except ConnectorError:
            raise
        except zeep.exceptions.Fault as exc:  # vendor_error normally classifies faults first
            raise FatalError(
                f"{where}: SOAP Fault {exc.code}: {exc.message}", system=SYSTEM
            ) from None
        except (zeep.exceptions.Error, etree.XMLSyntaxError) as exc:
            raise DataContractError(
                f"{where}: the answer is not a usable SOAP envelope: "
                f"{type(exc).__name__}: {_first_line(exc)}",
                system=SYSTEM,
            ) from None
        if not isinstance(answer, str) or not answer.strip():
            raise DataContractError(f"{where}: the answer's <return> is empty", system=SYSTEM)
        return answer

    def _document(self, operation: str, answer: str, context: str) -> etree._Element:
        try:
            return ncxml.parse(answer, what=f"{operation} return ({context})")
        except ValueError as exc:
            raise DataContractError(str(exc), system=SYSTEM) from None

    def _query(
        self, operation: str, payload: str, context: str
    ) -> tuple[int, list[dict[str, Any]], int | None]:
        """(total, rows, echoed pagesize) of one query call."""
        document = self._document(
            operation, self.call(operation, payload, context=context), context
        )
        try:
            total, rows = ncxml.rows(document)
        except ncxml.NcResultError as exc:
            raise FatalError(
                f"{operation} ({context}): {exc}", system=SYSTEM, vendor_code=exc.code
            ) from None
        except ValueError as exc:
            raise DataContractError(f"{operation} ({context}): {exc}", system=SYSTEM) from None
        pagesize = ncxml.text_of(ncxml.child(document, "pagesize"))
        return total, rows, int(pagesize) if pagesize and pagesize.isdigit() else None

    # -- the connector contract ----------------------------------------------------------------

    def check(self) -> str:
        """One cheap authenticated call: the first page of one person."""
        total, _rows, _size = self._query(
            "queryPsndocByTs", ncxml.query(None, 1, 1), "check, pagesize 1"
        )
        return f"NC service {self.service_name} answered: {total} persons"

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of rows with ts >= since - overlap, ordered by (ts, pk).

        Pages are read by position until the server's total is covered (or a page comes back
        empty); exact repeats within one read (a server repeating a row) are dropped.
        """
        if stream not in STREAMS:
            raise ConfigError(
                f"the NC client has no stream {stream!r} (known: {', '.join(STREAMS)})",
                system=SYSTEM,
            )
        operation, key = STREAMS[stream]
        ts = shift_ts(since, -overlap_seconds) if since else ""
        seen: set[tuple[Any, Any]] = set()
        pageindex = 1
        while True:
            context = f"{stream}, ts {ts or 'all'}, page {pageindex}"
            payload = ncxml.query(ts, pageindex, self.page_size)
            total, rows, echoed = self._query(operation, payload, context)
            fresh = []
            for row in rows:
                mark = (row.get(key), row.get("ts"))
                if mark not in seen:
                    seen.add(mark)
                    fresh.append(row)
            if fresh:
                yield fresh
            size = echoed or self.page_size
            if not rows or pageindex * size >= total:
                return
            pageindex += 1

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        """NC's ts ("yyyy-MM-dd HH:mm:ss", naive server time), which sorts as text."""
        return record.get("ts")

    # -- read back -----------------------------------------------------------------------------

    # Pre-hire persons are hrhub's own (created only when absent). Interview results and
    # check-ins cannot be read: the service has no query for them.
    read_back_operations = ("nc_pre_hire",)

    def absent(self, operation: str, remote_ids: Iterable[str]) -> set[str]:
        """Which of these pre-hire persons (the pk_psndoc savePsndoc answered) NC no longer
        holds: what the daily reconciliation repairs.

        NC reads persons by ts only, so this reads them all (queryPsndocByTs from the start,
        one call per page). Positional pages can skip a row whose ts changed mid-read, so a pk
        missing from the first read must be missing from a second one too. Any fault raises:
        an outage is never read as a deletion.
        """
        if operation not in self.read_back_operations:
            known = ", ".join(self.read_back_operations)
            raise ConfigError(
                f"NC cannot read back {operation!r} (only {known}): the service has no query "
                "for it",
                system=SYSTEM,
            )
        missing = {str(pk) for pk in remote_ids if str(pk).strip()}
        if missing:
            missing -= self._person_keys()
        if missing:
            missing -= self._person_keys()
        return missing

    def _person_keys(self) -> set[str]:
        """Every pk_psndoc NC holds. DataContractError when the pages end with fewer rows than
        the total NC states: a short read must not make persons look deleted."""
        keys: set[str] = set()
        received, pageindex = 0, 1
        while True:
            payload = ncxml.query(None, pageindex, self.page_size)
            context = f"read-back of persons, page {pageindex}"
            total, rows, echoed = self._query("queryPsndocByTs", payload, context)
            received += len(rows)
            keys.update(str(row["pk_psndoc"]) for row in rows if row.get("pk_psndoc"))
            if received >= total:
                return keys
            if not rows or pageindex * (echoed or self.page_size) >= total:
                raise DataContractError(
                    f"queryPsndocByTs ({context}) answered {received} of the {total} persons "
                    "it counts; not reading the rest as deleted",
                    system=SYSTEM,
                )
            pageindex += 1

    def find_person(
        self, id_number: str | None = None, mobile: str | None = None
    ) -> dict[str, Any] | None:
        """The psndoc with this id number (else this mobile), or None."""
        if not (id_number or mobile):
            raise ValueError("find_person needs an id number or a mobile")
        _total, rows, _size = self._query(
            "queryPsndocByCondition", ncxml.condition(id_number, mobile), "lookup"
        )
        return rows[0] if rows else None

    # -- writes --------------------------------------------------------------------------------

    def write(self, operation: str, records: Sequence[dict[str, Any]]) -> list[WriteOutcome]:
        """One outcome per record, in order (see the module docstring)."""
        if operation not in WRITES:
            raise ConfigError(
                f"the NC client has no operation {operation!r} (known: {', '.join(WRITES)})",
                system=SYSTEM,
            )
        outcomes: dict[int, WriteOutcome] = {}
        pending: list[tuple[int, str, dict[str, Any]]] = []
        for index, record in enumerate(records):
            bill_id = str(record.get("bill_id") or "").strip()
            if not bill_id:
                outcomes[index] = _rejected(
                    index, f"record {index} has no bill_id", str(index), "bill_id"
                )
                continue
            head = {k: v for k, v in record.items() if k != "bill_id"}
            pending.append((index, bill_id, head))
        breaker = BatchBreaker(SYSTEM)
        if operation == "nc_pre_hire":
            pending = self._known_persons(pending, outcomes, breaker)
        nc_operation, roottag = WRITES[operation]
        for start in range(0, len(pending), MAX_BILLS):
            chunk = pending[start : start + MAX_BILLS]
            if breaker.tripped:
                outcomes.update((i, breaker.not_sent(i, bill_id)) for i, bill_id, _ in chunk)
                continue
            self._send_bills(nc_operation, roottag, chunk, outcomes, breaker)
        return [outcomes[i] for i in range(len(records))]

    def _known_persons(
        self,
        pending: list[tuple[int, str, dict[str, Any]]],
        outcomes: dict[int, WriteOutcome],
        breaker: BatchBreaker,
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """Settle the records whose person is on file already; the rest still need sending."""
        absent = []
        for index, bill_id, head in pending:
            if breaker.tripped:
                outcomes[index] = breaker.not_sent(index, bill_id)
                continue
            id_number = str(head.get("id") or "").strip()
            if not id_number:
                absent.append((index, bill_id, head))  # NC names the missing field
                continue
            try:
                found = self.find_person(id_number=id_number)
            except (RetriableError, DataContractError) as exc:
                exc.record_id, exc.field = exc.record_id or bill_id, exc.field or "id"
                breaker.trip_on(exc)
                outcomes[index] = WriteOutcome(index, False, error=exc)
                continue
            if found and found.get("pk_psndoc"):
                outcomes[index] = WriteOutcome(index, True, remote_id=found["pk_psndoc"])
            else:
                absent.append((index, bill_id, head))
        return absent

    def _send_bills(
        self,
        nc_operation: str,
        roottag: str,
        chunk: list[tuple[int, str, dict[str, Any]]],
        outcomes: dict[int, WriteOutcome],
        breaker: BatchBreaker,
    ) -> None:
        if not chunk:
            return
        context = f"{len(chunk)} bills from {chunk[0][1]}"
        payload = ncxml.ufinterface(roottag, roottag, [(b, h) for _, b, h in chunk], replace=True)
        try:
            answer = self.call(nc_operation, payload, context=context)
            results = ncxml.sendresults(self._document(nc_operation, answer, context))
        except (RecordRejected, RetriableError, DataContractError) as exc:
            breaker.trip_on(exc, f"the call with {context}")
            for index, _bill_id, _head in chunk:
                outcomes[index] = WriteOutcome(index, False, error=exc)
            return
        except ValueError as exc:
            error = DataContractError(f"{nc_operation} ({context}): {exc}", system=SYSTEM)
            for index, _bill_id, _head in chunk:
                outcomes[index] = WriteOutcome(index, False, error=error)
            return
        by_bill = {str(r.get("bdocid")): r for r in results if r.get("bdocid")}
        for position, (index, bill_id, _head) in enumerate(chunk):
            found = by_bill.get(bill_id)
            if found is None and len(results) == len(chunk):
                found = results[position]  # bdocid left empty: NC answers in bill order
            outcomes[index] = _bill_outcome(index, bill_id, nc_operation, found)

    def close(self) -> None:
        self.transport.session.close()
        super().close()


# -- helpers -----------------------------------------------------------------------------------


def _soap11_binding(document: Document) -> Any:
    """The QName of the WSDL's SOAP 1.1 binding (Axis2 also publishes 1.2 and HTTP ones)."""
    names = [name for name, b in document.bindings.items() if isinstance(b, Soap11Binding)]
    if not names:
        raise ConfigError("the WSDL has no SOAP 1.1 binding", system=SYSTEM)
    names.sort(key=lambda n: (not str(n).endswith("SOAP11Binding"), str(n)))
    return names[0]


def shift_ts(value: str, seconds: int) -> str:
    """An NC ts moved by `seconds` (ConfigError for a cursor that is not an NC ts)."""
    try:
        moment = datetime.strptime(value.strip(), TS_FMT)
    except ValueError:
        raise ConfigError(
            f"cursor {value!r} is not an NC ts ('yyyy-MM-dd HH:mm:ss')", system=SYSTEM
        ) from None
    return (moment + timedelta(seconds=seconds)).strftime(TS_FMT)


def _rejected(
    index: int, message: str, record_id: str, field: str | None, code: int | None = None
) -> WriteOutcome:
    error = RecordRejected(
        message, system=SYSTEM, record_id=record_id, field=field, vendor_code=code
    )
    return WriteOutcome(index, False, error=error)


def _bill_outcome(
    index: int, bill_id: str, nc_operation: str, result: dict[str, Any] | None
) -> WriteOutcome:
    if result is None:
        error = DataContractError(
            f"{nc_operation} answered no sendresult for bill {bill_id}",
            system=SYSTEM,
            record_id=bill_id,
        )
        return WriteOutcome(index, False, error=error)
    code = result["resultcode"]
    description = result.get("resultdescription") or ""
    content = result.get("content")
    if code in (OK, DUPLICATE) and content:
        # -32001: the record is on file already; its key is in content (a replayed write).
        return WriteOutcome(index, True, remote_id=content)
    match = _FIELD.match(description)
    field = None
    if match:
        field = "bill_id" if match["field"] == "bill.id" else match["field"]
    message = f"{nc_operation} refused bill {bill_id}: {description or 'no description'}"
    return _rejected(index, message, bill_id, field, code)


def _first_line(exc: BaseException) -> str:
    # zeep's messages may append the whole response: keep the first line, shortened.
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text[:200]
