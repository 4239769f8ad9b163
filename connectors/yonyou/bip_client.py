"""YonBIP client: the signed selfAppAuth token, MDD list paging and idempotent batch saves.

No Airflow here: the facade (`client.YonyouClient`, flavor "bip") builds it from a Connection,
tests build it directly. Wire facts: hr-system-apis.md §3.3; the envelope is `{code, message,
data}` inside HTTP 200, so errors are classified by the envelope's code (connector.yaml).

- Tokens come from `getAccessToken?appKey&timestamp&signature` (signing.py), signed afresh on
  every attempt, and are shared process-wide by (base_url, appKey, sha256(appSecret)) so
  concurrent tasks make one call; one thread refreshes, the others wait for its token.
- Reads page `listmdd` by pageIndex with a `pubts egt` filter and stop when `recordCount` is
  covered or a page comes back empty; a page that repeats the previous one stops the read.
- Writes are idempotent by the business `code`: each batch first lists which codes exist, then
  saves absent ones as Insert and present ones as Update with their id. A lost answer is
  retried by repeating both steps, so the retry updates what the first attempt created.
- Read back (`absent`, for the daily reconciliation): every operation, since each creates a
  document hrhub owns. The ids a save answered are listed back from the operation's listmdd
  with an `id in [...]` filter, 100 a call (the size of a save); an id the list leaves out is
  gone. Errors raise, so an outage is never read as a deletion.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

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
from connectors._core.tokens import TokenCache
from connectors._core.write import BatchBreaker, WriteOutcome
from connectors.yonyou.signing import raw_signature

__all__ = ["BIP_TOKENS", "OPERATIONS", "BipClient"]

SYSTEM = "yonyou"
TS_FMT = "%Y-%m-%d %H:%M:%S"
DATE_FMT = "%Y-%m-%d"
MAX_PAGE_SIZE = 500
MAX_BATCH = 100  # batchSaveOrUpdate takes at most 100 rows a call
EARLY_REFRESH_S = 60.0  # refetch this long before the stated `expire`
SUCCESS_CODES = frozenset({"200", "00000"})

GATEWAY_PREFIX = "/iuap-api-gateway"
TOKEN_PATH = "/open-auth/selfAppAuth/getAccessToken"
STAFF_LIST = "/yonbip/hrcloud/staff/listmdd"
STREAMS = {"bip_staff": STAFF_LIST}


@dataclass(frozen=True)
class Operation:
    """A write operation: where its rows are saved and where existing codes are listed."""

    save_path: str
    list_path: str


OPERATIONS: dict[str, Operation] = {
    "bip_requisition": Operation(
        "/yonbip/hrcloud/recruit/batchSaveOrUpdateRecruit", "/yonbip/hrcloud/recruit/listmdd"
    ),
    "bip_pre_hire": Operation("/yonbip/hrcloud/staff/batchSaveOrUpdateEntry", STAFF_LIST),
    "bip_interview_result": Operation(
        "/yonbip/hrcloud/recruit/interview/batchSaveOrUpdate",
        "/yonbip/hrcloud/recruit/interview/listmdd",
    ),
    "bip_checkin": Operation(
        "/yonbip/hrcloud/time/signcard/batchSaveOrUpdate", "/yonbip/hrcloud/time/signcard/listmdd"
    ),
}

# A per-row message names the field first ("mobile: ..."), or mentions a key of the row.
_LEADING_FIELD = re.compile(r"\s*([A-Za-z_]\w*)((?:\[\d+\])?(?:\.[A-Za-z_]\w*)?)\s*[:：]")


# -- tokens ----------------------------------------------------------------------------------------

BIP_TOKENS = TokenCache(early_refresh_s=EARLY_REFRESH_S)
"""The process-wide YonBIP token cache, keyed by (base_url, appKey, sha256(appSecret))."""
"""The process-wide YonBIP token cache."""


# -- the client ------------------------------------------------------------------------------------


class BipClient(ApiClient):
    """One YonBIP self-built app (appKey / appSecret) on a tenant domain or gateway URL."""

    def __init__(
        self,
        base_url: str,
        *,
        app_key: str,
        app_secret: str,
        page_size: int = MAX_PAGE_SIZE,
        timeout: tuple[float, float] = (5.0, 30.0),
        rate_budget: RateBudget | None = None,
        error_table: ErrorTable | None = None,
        session: requests.Session | None = None,
        retry: tenacity.Retrying | None = None,
    ) -> None:
        if not app_key or not app_secret:
            raise ConfigError(
                "the connection needs the appKey (login) and appSecret (password)", system=SYSTEM
            )
        super().__init__(
            base_url,
            system=SYSTEM,
            timeout=timeout,
            rate_budget=rate_budget,
            error_table=error_table or ErrorTable.from_manifest(get_connector(SYSTEM).errors),
            retry=retry,
            session=session,
        )
        self.app_key = app_key
        self._app_secret = app_secret
        self.redactor.add_secret(app_secret)
        self.page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        # The newer gateway serves the token under /iuap-api-auth; a tenant domain at the root.
        gateway = urlsplit(self.base_url).path.rstrip("/").endswith(GATEWAY_PREFIX)
        self.token_path = ("/iuap-api-auth" if gateway else "") + TOKEN_PATH
        self._local = threading.local()

    # -- tokens ------------------------------------------------------------------------------

    @property
    def _token_key(self) -> tuple[str, str, str]:
        digest = hashlib.sha256(self._app_secret.encode("utf-8")).hexdigest()
        return (self.base_url, self.app_key, digest)

    @property
    def _token(self) -> str | None:
        """The cached access token, if any (never logged: the redactor knows it)."""
        return BIP_TOKENS.peek(self._token_key)

    def access_token(self) -> str:
        return BIP_TOKENS.get(self._token_key, self._fetch_token)

    def _fetch_token(self) -> tuple[str, float]:
        # Straight to one attempt under the retry policy, not through request(): request()'s
        # refresh path takes the auth lock, which a refresh fetching this token already holds.
        # A refreshable refusal here (1002, stale timestamp) reaches the business call's
        # request(), whose one refresh fetches again, signed anew.
        resp = self.retry_policy.copy()(
            self._attempt,
            "GET",
            self.url(self.token_path),
            {"appKey": self.app_key},
            None,
            None,
            None,
        )
        body = self._json(resp)
        data = body.get("data") if isinstance(body, dict) else None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise DataContractError(
                self._describe(resp, "getAccessToken answered without data.access_token"),
                system=SYSTEM,
                status=resp.status_code,
                response=resp,
            )
        self.redactor.add_secret(token)
        try:
            expire = float(data.get("expire") or 7200)
        except (TypeError, ValueError):
            expire = 7200.0
        return str(token), expire

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Sign the token call (a fresh timestamp each attempt); add the token to the rest.

        The signature goes into `params` as raw base64, so `requests` URL-encodes it exactly
        once, which is what the Java demo's hand-built query string carries (signing.py).
        """
        params = kwargs["params"]
        if urlsplit(kwargs["url"]).path.endswith(TOKEN_PATH):
            params.pop("signature", None)
            params["timestamp"] = str(int(time.time() * 1000))
            params["signature"] = raw_signature(self._app_secret, params)
            return kwargs
        token = self.access_token()
        self._local.token = token
        params["access_token"] = token
        return kwargs

    def refresh_auth(self) -> bool:
        """Drop the token the system refused (if still cached) and fetch a new one."""
        rejected = getattr(self._local, "token", None)
        if rejected:
            BIP_TOKENS.invalidate(self._token_key, rejected)
        self._local.token = self.access_token()
        return True

    # -- errors inside HTTP 200 --------------------------------------------------------------

    def vendor_error(self, resp: requests.Response) -> tuple[str | None, str | None] | None:
        """The envelope's code: "200" / 200 / "00000" is success, anything else an error."""
        if "json" not in resp.headers.get("Content-Type", ""):
            return None
        try:
            body = resp.json()
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("code") is None:
            return None
        code = str(body["code"])
        if code in SUCCESS_CODES:
            return None
        return code, str(body.get("message") or "")

    # -- the connector contract --------------------------------------------------------------

    def check(self) -> str:
        """A token and one staff listmdd of one row, for `test_connection`."""
        data = self._list(STAFF_LIST, [], page_index=1, page_size=1)
        return f"YonBIP answered: {data.get('recordCount', '?')} staff (app {self.app_key})"

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of staff rows ordered by (pubts, id), from `since` minus the overlap."""
        if stream not in STREAMS:
            raise ConfigError(
                f"YonBIP has no stream {stream!r} (known: {', '.join(STREAMS)})", system=SYSTEM
            )
        filters: list[dict[str, Any]] = []
        if since:
            start = _parse_time(since) - timedelta(seconds=overlap_seconds)
            filters.append({"field": "pubts", "op": "egt", "value1": start.strftime(TS_FMT)})
        for page in self._pages(STREAMS[stream], filters, self.page_size):
            yield [_plain(row) for row in page]

    def cursor_value(self, stream: str, record: Mapping[str, Any]) -> str | None:
        value = record.get("pubts")
        return None if value is None else str(value)

    def write(self, operation: str, records: Sequence[Mapping[str, Any]]) -> list[WriteOutcome]:
        """One outcome per record, in order; idempotent by each record's `code`."""
        op = OPERATIONS.get(operation)
        if op is None:
            raise ConfigError(
                f"YonBIP has no operation {operation!r} (known: {', '.join(OPERATIONS)})",
                system=SYSTEM,
            )
        outcomes: dict[int, WriteOutcome] = {}
        batches: list[list[tuple[int, str, dict[str, Any]]]] = [[]]
        for index, record in enumerate(records):
            code = record.get("code") if isinstance(record, Mapping) else None
            if code is None or not str(code).strip():
                outcomes[index] = WriteOutcome(
                    index,
                    False,
                    error=RecordRejected(
                        f"{operation}: a record needs its business code",
                        system=SYSTEM,
                        record_id=f"#{index}",
                        field="code",
                    ),
                )
                continue
            code = str(code).strip()
            row = {k: v for k, v in record.items() if k not in ("_status", "id")}
            row["code"] = code
            batch = batches[-1]
            # A code twice in one call would be inserted twice: the repeat opens a new batch,
            # which then updates what the first one saved.
            if len(batch) >= MAX_BATCH or any(c == code for _, c, _ in batch):
                batch = []
                batches.append(batch)
            batch.append((index, code, row))
        breaker = BatchBreaker(SYSTEM)
        for batch in batches:
            if not batch:
                continue
            if breaker.tripped:
                outcomes.update((i, breaker.not_sent(i, code)) for i, code, _ in batch)
                continue
            try:
                outcomes.update(self.retry_policy.copy()(self._write_batch, operation, op, batch))
            except (RetriableError, DataContractError, FatalError, RecordRejected) as exc:
                breaker.trip_on(exc, f"the call with {len(batch)} rows from {batch[0][1]}")
                for index, _, _ in batch:
                    outcomes[index] = WriteOutcome(index, False, error=exc)
        return [outcomes[i] for i in range(len(records))]

    # Every operation creates a document keyed by the hub's code: hrhub's own, re-created
    # when it is gone.
    read_back_operations = tuple(OPERATIONS)

    def absent(self, operation: str, remote_ids: Iterable[str]) -> set[str]:
        """Which of these documents (the ids a save answered) YonBIP no longer holds: what the
        daily reconciliation repairs. Asked by `id in [...]` on the operation's listmdd."""
        op = OPERATIONS.get(operation)
        if op is None:
            raise ConfigError(
                f"YonBIP cannot read back {operation!r} (known: {', '.join(OPERATIONS)})",
                system=SYSTEM,
            )
        wanted = sorted({str(i).strip() for i in remote_ids if str(i).strip()})
        present: set[str] = set()
        for start in range(0, len(wanted), MAX_BATCH):
            filters = [{"field": "id", "op": "in", "value1": wanted[start : start + MAX_BATCH]}]
            for page in self._pages(op.list_path, filters, MAX_PAGE_SIZE):
                present.update(str(row.get("id")) for row in page if isinstance(row, Mapping))
        return set(wanted) - present

    # -- internals ---------------------------------------------------------------------------

    def _list(
        self,
        path: str,
        filters: list[dict[str, Any]],
        *,
        page_index: int,
        page_size: int,
        retry: bool = True,
    ) -> dict[str, Any]:
        """One listmdd page: `data` with its recordList (DataContractError if malformed)."""
        resp = self.request(
            "POST",
            path,
            json={"pageIndex": page_index, "pageSize": page_size, "simpleVOs": filters},
            retry=retry,
        )
        body = self._json(resp)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("recordList") or [], list):
            raise DataContractError(
                self._describe(resp, "no data.recordList list in the answer"),
                system=SYSTEM,
                status=resp.status_code,
                response=resp,
            )
        data["recordList"] = data.get("recordList") or []
        return data

    def _pages(
        self, path: str, filters: list[dict[str, Any]], page_size: int, *, retry: bool = True
    ) -> Iterator[list[dict[str, Any]]]:
        index, previous = 1, None
        while True:
            data = self._list(path, filters, page_index=index, page_size=page_size, retry=retry)
            # Every entry, objects or not: the hub dead-letters one that is no record rather
            # than lose it without a word.
            rows = list(data["recordList"])
            if not rows:
                return
            ids = tuple(str(r.get("id")) if isinstance(r, dict) else repr(r) for r in rows)
            if ids == previous:
                raise DataContractError(
                    f"{path}: page {index} repeats page {index - 1} ({len(rows)} rows); "
                    "the server ignores pageIndex, stopping instead of looping",
                    system=SYSTEM,
                )
            previous = ids
            yield rows
            size = _whole(data.get("pageSize")) or page_size  # the size the server applied
            total = _whole(data.get("recordCount"))
            if total is not None and index * size >= total:
                return
            index += 1

    def _existing_ids(self, op: Operation, codes: list[str]) -> dict[str, str]:
        """code -> id of the documents that already exist, from one `code in [...]` list."""
        found: dict[str, str] = {}
        wanted = set(codes)
        filters = [{"field": "code", "op": "in", "value1": codes}]
        for page in self._pages(op.list_path, filters, MAX_PAGE_SIZE, retry=False):
            for row in page:
                if not isinstance(row, Mapping):
                    continue
                code, doc_id = row.get("code"), row.get("id")
                if code is not None and doc_id is not None and str(code) in wanted:
                    found.setdefault(str(code), str(doc_id))
        return found

    def _write_batch(
        self, operation: str, op: Operation, batch: list[tuple[int, str, dict[str, Any]]]
    ) -> dict[int, WriteOutcome]:
        """Look up, then save; retried whole, so a save whose answer was lost is found next time
        and sent as an Update instead of a second Insert."""
        existing = self._existing_ids(op, [code for _, code, _ in batch])
        rows = []
        for _, code, row in batch:
            if code in existing:
                rows.append({**row, "_status": "Update", "id": existing[code]})
            else:
                rows.append({**row, "_status": "Insert"})
        body = self.request_json("POST", op.save_path, json={"data": rows}, retry=False)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise DataContractError(f"{op.save_path} answered without data", system=SYSTEM)
        infos = _by_position(data.get("infos"), batch)
        messages = _by_position(data.get("messages"), batch)
        outcomes: dict[int, WriteOutcome] = {}
        for pos, (index, code, row) in enumerate(batch):
            if pos in infos and infos[pos].get("id") is not None:
                outcomes[index] = WriteOutcome(index, True, remote_id=str(infos[pos]["id"]))
                continue
            error: ConnectorError
            if pos in messages:
                message = str(messages[pos].get("message") or "refused without a message")
                error = RecordRejected(
                    f"YonBIP refused {operation} {code}: {message}",
                    system=SYSTEM,
                    record_id=code,
                    field=_field_named(message, row),
                )
            else:
                error = DataContractError(
                    f"{op.save_path} said nothing about row {pos} ({operation} {code})",
                    system=SYSTEM,
                    record_id=code,
                )
            outcomes[index] = WriteOutcome(index, False, error=error)
        return outcomes


def _by_position(
    items: Any, batch: list[tuple[int, str, dict[str, Any]]]
) -> dict[int, Mapping[str, Any]]:
    """infos/messages by the row's position in the call (its `index`, else its `code`)."""
    position_of = {code: pos for pos, (_, code, _) in enumerate(batch)}
    out: dict[int, Mapping[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        pos = _whole(item.get("index"))
        if pos is None or not 0 <= pos < len(batch):
            pos = position_of.get(str(item.get("code")))
        if pos is not None:
            out.setdefault(pos, item)
    return out


def _field_named(message: str, row: Mapping[str, Any]) -> str | None:
    """The field a per-row message is about: its leading "field:" or a key of the row it names."""
    lead = _LEADING_FIELD.match(message)
    if lead and (lead.group(1) in row or lead.group(1) in ("code", "id")):
        return lead.group(1) + lead.group(2)
    for key in sorted(row, key=len, reverse=True):
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(key)}(?![A-Za-z0-9_])", message):
            return key
    return None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _parse_time(text: str) -> datetime:
    for fmt in (TS_FMT, DATE_FMT):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ConfigError(f"not a YonBIP time ('yyyy-MM-dd HH:mm:ss'): {text!r}", system=SYSTEM)


def _plain(value: Any) -> Any:
    """Rows for the hub: strings and None, lists and dicts kept as the system nests them."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
