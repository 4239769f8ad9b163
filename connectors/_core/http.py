"""``ApiClient``: the base every REST connector client subclasses.

It owns what every client must get right the same way: one ``requests.Session``, timeouts
always set, TLS certificates verified (a session that does not is a WARNING), the rate
budget, classification through the error table (also for errors hidden in HTTP 200), the
one retry policy, one token refresh on a refreshable AuthError, guarded pagination, and
redaction of every URL and message it logs or raises.

Subclasses override small hooks:

- ``before_request(kwargs)`` adds auth (headers, ``access_token`` param) per attempt;
- ``vendor_error(resp)`` reports ``(vendor_code, message)`` found in a body or header;
- ``refresh_auth()`` fetches a new token and returns True;
- ``acquire_budget(method, url)`` waits for the rate budget (per API, where a system limits so).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from connectors._core.error_table import Action, ErrorTable
from connectors._core.errors import (
    AuthError,
    ConfigError,
    DataContractError,
    FatalError,
    RetriableError,
)
from connectors._core.pagination import MISSING, BasePaginator, PageRequest, get_path
from connectors._core.ratelimit import RateBudget
from connectors._core.redaction import REDACTOR, Redactor, protect_loggers
from connectors._core.retry import retry_policy

__all__ = ["ApiClient"]

log = logging.getLogger(__name__)

SNIPPET = 300  # characters of an error body kept in the message
_TRANSIENT = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_BAD_URL = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidURL,
)


class ApiClient:
    """A REST client for one system; see the module docstring for the hooks."""

    def __init__(
        self,
        base_url: str,
        *,
        system: str,
        timeout: tuple[float, float] = (5.0, 30.0),
        rate_budget: RateBudget | None = None,
        error_table: ErrorTable | None = None,
        retry: tenacity.Retrying | None = None,
        redactor: Redactor | None = None,
        session: requests.Session | None = None,
        user_agent: str = "hrhub/0.1",
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"base_url must be an http(s) URL, not {base_url!r}", system=system)
        if not (
            isinstance(timeout, tuple | list)
            and len(timeout) == 2
            and all(
                isinstance(t, int | float) and not isinstance(t, bool) and t > 0 for t in timeout
            )
        ):
            raise ConfigError(
                f"timeout must be (connect, read) > 0, not {timeout!r}", system=system
            )
        self.base_url = base_url.rstrip("/")
        self.system = system
        self.timeout = (float(timeout[0]), float(timeout[1]))
        self.rate_budget = rate_budget
        self.error_table = error_table or ErrorTable()
        self.retry_policy = retry or retry_policy()
        self.redactor = redactor or REDACTOR
        self._owns_session = session is None
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self._auth_lock = threading.Lock()
        protect_loggers()
        self._warn_if_unverified()

    def _warn_if_unverified(self) -> None:
        """TLS certificates are verified unless a caller hands in a session that does not:
        say so every time such a client is built (an internal CA belongs in
        REQUESTS_CA_BUNDLE, not in switching verification off)."""
        if self.session.verify is False:
            log.warning(
                "%s: TLS certificate verification is OFF for %s: anyone on the network path "
                "can read and change this system's traffic",
                self.system,
                self.redactor.redact_url(self.base_url),
            )

    # -- hooks for subclasses -------------------------------------------------------------

    def before_request(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Add auth to one attempt's ``session.request`` kwargs (method, url, params, json,
        data, headers; fresh copies each attempt). Register secrets with ``self.redactor``."""
        return kwargs

    def vendor_error(self, resp: requests.Response) -> tuple[str | None, str | None] | None:
        """``(vendor_code, message)`` when the response carries a vendor error, else None.

        Called for every response. On a 2xx, None means success; on an error status, None
        means "classify by status alone".
        """
        return None

    def refresh_auth(self) -> bool:
        """Fetch new credentials after a refreshable AuthError; True if the call may retry."""
        return False

    def acquire_budget(self, method: str, url: str) -> None:
        """Wait for a slot of the rate budget before each attempt. Systems that limit per API
        (DingTalk) override this to take a slot of that API's budget as well."""
        if self.rate_budget is not None:
            self.rate_budget.acquire()

    def check_response(self, resp: requests.Response) -> None:
        """Raise the classified error for a failed response; return for success or ``ignore``."""
        try:
            found = self.vendor_error(resp)
        except RecursionError:  # a body nested past the JSON reader, read for a vendor code
            raise self._too_deep(resp) from None
        status = resp.status_code
        if found is None and 200 <= status < 300:
            return
        code, vendor_message = found or (None, None)
        detail = vendor_message or _snippet(resp)
        rule = self.error_table.classify(status, code, detail)
        message = self._describe(resp, detail)
        if rule is None:
            raise FatalError(
                f"unclassified error: {message}",
                system=self.system,
                status=status,
                vendor_code=code,
                response=resp,
            )
        if rule.action is Action.IGNORE:
            return
        raise self.error_table.to_exception(
            rule,
            system=self.system,
            status=status,
            vendor_code=code,
            message=message,
            response=resp,
            retry_after_header=resp.headers.get("Retry-After"),
        )

    # -- calls ------------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """Absolute URLs pass through; paths are appended to ``base_url``."""
        if urlsplit(path_or_url).scheme in ("http", "https"):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}" if path_or_url else self.base_url

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        """Send one logical call: budgeted, classified, retried, refreshed once on auth expiry.

        Dropped connections and timeouts are retried, so pass ``retry=False`` for a write
        that is not idempotent. ``timeout`` (connect, read) replaces the client's for this
        call (a download that may take longer than an ordinary answer, say).
        """
        args = (method.upper(), self.url(path_or_url), params, json, data, headers, timeout)
        refreshed = False
        while True:
            try:
                if not retry:
                    return self._attempt(*args)
                return self.retry_policy.copy()(self._attempt, *args)
            except AuthError as exc:
                if not exc.refreshable or refreshed:
                    raise
                refreshed = True
                log.info("%s: credentials rejected (%s); refreshing once", self.system, exc)
                with self._auth_lock:
                    if not self.refresh_auth():
                        raise

    def request_json(self, method: str, path_or_url: str, **kw: Any) -> Any:
        """``request()`` and decode the JSON body (DataContractError if it is not JSON)."""
        return self._json(self.request(method, path_or_url, **kw))

    def paginate(
        self,
        path: str,
        *,
        paginator: BasePaginator,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        method: str = "GET",
        data_selector: str,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page's records, selected by a dotted path (``"data"``, ``"d.results"``)."""
        req = PageRequest(self.url(path), dict(params or {}), dict(json) if json else None)
        paginator.init_request(req)
        while True:
            resp = self.request(method, req.url, params=req.params, json=req.json)
            body = self._json(resp)
            records = get_path(body, data_selector, MISSING)
            if records is MISSING:
                raise DataContractError(
                    self._describe(resp, f"no {data_selector!r} in the response"),
                    system=self.system,
                    status=resp.status_code,
                    response=resp,
                )
            if records is None:
                records = []
            if not isinstance(records, list):
                raise DataContractError(
                    self._describe(
                        resp, f"{data_selector!r} is a {type(records).__name__}, expected a list"
                    ),
                    system=self.system,
                    status=resp.status_code,
                    response=resp,
                )
            yield records
            try:
                paginator.update_state(body, records)
            except FatalError as exc:  # a loop, a runaway or a hostile next link
                exc.system = exc.system or self.system
                raise
            if not paginator.has_next_page:
                return
            paginator.update_request(req)

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.redactor.redact_url(self.base_url)!r})"

    # -- internals --------------------------------------------------------------------------

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Any,
        headers: Mapping[str, str] | None,
        timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        self.acquire_budget(method, url)
        kwargs = self.before_request(
            {
                "method": method,
                "url": url,
                "params": dict(params or {}),
                "json": dict(json) if isinstance(json, Mapping) else json,
                "data": data,
                "headers": dict(headers or {}),
            }
        )
        started = time.monotonic()
        try:
            resp = self.session.request(**kwargs, timeout=timeout or self.timeout)
        except requests.exceptions.SSLError as exc:
            raise ConfigError(self._failure(kwargs, exc), system=self.system) from None
        except _TRANSIENT as exc:
            raise RetriableError(self._failure(kwargs, exc), system=self.system) from None
        except _BAD_URL as exc:
            raise ConfigError(self._failure(kwargs, exc), system=self.system) from None
        except requests.exceptions.RequestException as exc:
            raise FatalError(self._failure(kwargs, exc), system=self.system) from None
        log.debug(
            "%s %s -> %s (%.0f ms)",
            method,
            self.redactor.redact_url(resp.url),
            resp.status_code,
            (time.monotonic() - started) * 1000,
        )
        self.check_response(resp)
        return resp

    def _failure(self, kwargs: Mapping[str, Any], exc: Exception) -> str:
        # "from None" above: requests' own message repeats the raw URL, secrets included.
        prepared = requests.Request("GET", kwargs["url"], params=kwargs.get("params")).prepare()
        url = self.redactor.redact_url(prepared.url or kwargs["url"])
        return self.redactor.redact_text(f"{kwargs['method']} {url}: {type(exc).__name__}: {exc}")

    def _describe(self, resp: requests.Response, detail: str = "") -> str:
        method = resp.request.method if resp.request is not None else "?"
        text = f"{method} {self.redactor.redact_url(resp.url)}"
        return self.redactor.redact_text(f"{text}: {detail}") if detail else text

    def _json(self, resp: requests.Response) -> Any:
        try:
            return resp.json()
        except RecursionError:
            raise self._too_deep(resp) from None
        except ValueError:
            raise DataContractError(
                self._describe(
                    resp,
                    "response is not JSON "
                    f"({resp.headers.get('Content-Type', 'no content type')}): {_snippet(resp)}",
                ),
                system=self.system,
                status=resp.status_code,
                response=resp,
            ) from None

    def _too_deep(self, resp: requests.Response) -> DataContractError:
        """A JSON body nested deeper than Python's reader goes (RecursionError, not the
        ValueError of any other malformed body)."""
        return DataContractError(
            self._describe(resp, "response is JSON nested too deeply to read"),
            system=self.system,
            status=resp.status_code,
            response=resp,
        )


def _snippet(resp: requests.Response) -> str:
    text = " ".join(resp.text[:SNIPPET].split())
    return text + ("…" if len(resp.text) > SNIPPET else "")
