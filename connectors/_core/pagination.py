"""Small paginators (dlt's shape): each is a state machine over a ``PageRequest``.

The client drives them::

    paginator.init_request(req)
    while True:
        body = send(req); data = select(body)
        yield data
        paginator.update_state(body, data)
        if not paginator.has_next_page: break
        paginator.update_request(req)

The base class guards every paginator: a next url, cursor or offset seen twice is a loop,
and more than ``max_pages`` pages is a runaway; both raise FatalError. A next link to another
origin is refused (a hostile or misconfigured server must not receive our credentials).

Choose one by alias in connector.yaml: ``{type: next_url, next_path: d.__next}``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urljoin, urlsplit

import requests

from connectors._core.errors import ConfigError, FatalError

__all__ = [
    "PAGINATORS",
    "BasePaginator",
    "CursorPaginator",
    "NextUrlPaginator",
    "OffsetPaginator",
    "PageNumberPaginator",
    "PageRequest",
    "SinglePagePaginator",
    "get_path",
    "paginator_from_manifest",
    "register_paginator",
]

DEFAULT_MAX_PAGES = 100_000
MISSING: Any = object()
ParamLocation = Literal["query", "body"]


@dataclass
class PageRequest:
    """What the next call sends; paginators edit it in place."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None


def get_path(obj: Any, path: str, default: Any = None) -> Any:
    """Follow a dotted path (``"d.results"``, ``"data.0.id"``) through dicts and lists.

    A key that itself contains dots (``"@odata.nextLink"``) is found too: the longest literal
    key wins at each level.
    """
    if path == "":
        return obj
    if isinstance(obj, Mapping):
        if path in obj:
            return obj[path]
        head = path
        while "." in head:
            head = head.rsplit(".", 1)[0]
            if head in obj:
                found = get_path(obj[head], path[len(head) + 1 :], MISSING)
                if found is not MISSING:
                    return found
        return default
    if isinstance(obj, list):
        head, _, rest = path.partition(".")
        if head.lstrip("-").isdigit() and -len(obj) <= int(head) < len(obj):
            return get_path(obj[int(head)], rest, default)
    return default


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "none", "null")
    return bool(value)


class BasePaginator(ABC):
    """Template: subclasses say how to read the next token and how to apply it.

    ``_next_token`` returns the next url/cursor/offset/page, or None when done.
    ``_apply`` writes that token into the request.
    """

    def __init__(self, *, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        if max_pages < 1:
            raise ConfigError(f"max_pages must be >= 1, not {max_pages!r}")
        self.max_pages = max_pages
        self._reset()

    def _reset(self) -> None:
        self._has_next_page = True
        self._pages = 0
        self._token: Any = None
        self._seen: set[Hashable] = set()

    @property
    def has_next_page(self) -> bool:
        return self._has_next_page

    def init_request(self, req: PageRequest) -> None:
        """Prepare the first request; resets state so one paginator can run again."""
        self._reset()
        first = self._first_token(req)
        if first is not None:
            self._seen.add(first)

    def update_state(self, response_json: dict[str, Any] | list[Any], data: list[Any]) -> None:
        """Read the page just fetched; decide whether there is a next one."""
        self._pages += 1
        token = self._next_token(response_json, data)
        if token is None:
            self._has_next_page = False
            return
        key = self._loop_key(token)
        if key in self._seen:
            raise FatalError(
                f"loop detected in pagination: {type(self).__name__} got {token!r} twice "
                f"(page {self._pages})"
            )
        if self._pages >= self.max_pages:
            raise FatalError(f"pagination exceeded max_pages={self.max_pages}")
        self._seen.add(key)
        self._token = token
        self._has_next_page = True

    def update_request(self, req: PageRequest) -> None:
        """Point ``req`` at the next page."""
        if not self._has_next_page:
            raise RuntimeError("update_request() called after the last page")
        self._apply(req, self._token)

    def _first_token(self, req: PageRequest) -> Hashable | None:
        return None

    def _loop_key(self, token: Any) -> Hashable:
        return token

    @abstractmethod
    def _next_token(self, response_json: Any, data: list[Any]) -> Any: ...

    @abstractmethod
    def _apply(self, req: PageRequest, token: Any) -> None: ...


class _ParamPaginator(BasePaginator):
    """Writes its parameters into the query string or the JSON body (DingTalk topapi)."""

    def __init__(self, *, param_location: ParamLocation = "query", max_pages: int) -> None:
        if param_location not in ("query", "body"):
            raise ConfigError(f"param_location must be 'query' or 'body', not {param_location!r}")
        self.param_location = param_location
        super().__init__(max_pages=max_pages)

    def _set(self, req: PageRequest, name: str, value: Any) -> None:
        if self.param_location == "query":
            req.params[name] = value
        else:
            req.json = {**(req.json or {}), name: value}

    def _get(self, req: PageRequest, name: str) -> Any:
        source = req.params if self.param_location == "query" else (req.json or {})
        return source.get(name)


class SinglePagePaginator(BasePaginator):
    """For endpoints that return everything at once."""

    def __init__(self, *, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        super().__init__(max_pages=max_pages)

    def _next_token(self, response_json: Any, data: list[Any]) -> Any:
        return None

    def _apply(self, req: PageRequest, token: Any) -> None:  # pragma: no cover - never called
        raise AssertionError("single page")


class NextUrlPaginator(BasePaginator):
    """Follows a next link in the body: ``"next"`` (DRF), ``"d.__next"`` (OData v2).

    Relative links resolve against the current url; a link to another origin is refused.
    """

    def __init__(self, next_path: str = "next", *, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self.next_path = next_path
        self._current_url = ""
        super().__init__(max_pages=max_pages)

    def _first_token(self, req: PageRequest) -> str:
        self._current_url = req.url
        return self._loop_key(req.url, req.params)

    def _loop_key(self, token: str, params: Mapping[str, Any] | None = None) -> str:
        # One spelling per url, so "$skiptoken" and "%24skiptoken" are the same page.
        return unquote(requests.Request("GET", token, params=params).prepare().url or token)

    def _next_token(self, response_json: Any, data: list[Any]) -> str | None:
        link = get_path(response_json, self.next_path)
        if not link:
            return None
        if not isinstance(link, str):
            raise FatalError(f"next link at {self.next_path!r} is not a string: {link!r}")
        url = urljoin(self._current_url, link)
        if _origin(url) != _origin(self._current_url):
            target = "{}://{}:{}".format(*_origin(url))
            raise FatalError(
                f"cross-origin next link refused: {target} (next_path {self.next_path!r})"
            )
        return url

    def _apply(self, req: PageRequest, token: str) -> None:
        req.url = token
        req.params = {}  # the next link carries its own query
        self._current_url = token


class OffsetPaginator(_ParamPaginator):
    """``offset``/``limit`` paging.

    Stops when ``has_more_path`` says false, when ``total_path`` is reached, or on an empty
    page. With neither path configured a short page (fewer than ``limit``) ends it too; with
    one configured the server's signal is trusted, because servers that filter rows after
    paging return short pages mid-stream.
    """

    def __init__(
        self,
        offset_param: str = "offset",
        limit_param: str = "limit",
        limit: int = 100,
        has_more_path: str | None = None,
        total_path: str | None = None,
        *,
        start: int = 0,
        param_location: ParamLocation = "query",
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        if limit < 1:
            raise ConfigError(f"limit must be >= 1, not {limit!r}")
        self.offset_param, self.limit_param, self.limit = offset_param, limit_param, limit
        self.has_more_path, self.total_path, self.start = has_more_path, total_path, start
        self._offset = start
        super().__init__(param_location=param_location, max_pages=max_pages)

    def _first_token(self, req: PageRequest) -> int:
        self._offset = self.start
        self._set(req, self.offset_param, self.start)
        self._set(req, self.limit_param, self.limit)
        return self.start

    def _next_token(self, response_json: Any, data: list[Any]) -> int | None:
        nxt = self._offset + self.limit
        if not data:
            return None
        if self.has_more_path is not None:
            return nxt if _truthy(get_path(response_json, self.has_more_path)) else None
        if self.total_path is not None:
            total = get_path(response_json, self.total_path)
            if total is None:
                raise FatalError(f"total not found at {self.total_path!r}")
            return nxt if nxt < int(total) else None
        return nxt if len(data) >= self.limit else None

    def _apply(self, req: PageRequest, token: int) -> None:
        self._offset = token
        self._set(req, self.offset_param, token)


class PageNumberPaginator(_ParamPaginator):
    """``page=1,2,3…`` paging. Stops on ``has_more_path`` false, ``total_pages_path`` reached,
    an empty page, or (with ``size`` and no server signal) a short page."""

    def __init__(
        self,
        page_param: str = "page",
        start: int = 1,
        size_param: str | None = None,
        size: int | None = None,
        has_more_path: str | None = None,
        *,
        total_pages_path: str | None = None,
        param_location: ParamLocation = "query",
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        if (size_param is None) != (size is None):
            raise ConfigError("size_param and size go together")
        self.page_param, self.start = page_param, start
        self.size_param, self.size = size_param, size
        self.has_more_path, self.total_pages_path = has_more_path, total_pages_path
        self._page = start
        super().__init__(param_location=param_location, max_pages=max_pages)

    def _first_token(self, req: PageRequest) -> int:
        self._page = self.start
        self._set(req, self.page_param, self.start)
        if self.size_param is not None:
            self._set(req, self.size_param, self.size)
        return self.start

    def _next_token(self, response_json: Any, data: list[Any]) -> int | None:
        nxt = self._page + 1
        if not data:
            return None
        if self.has_more_path is not None:
            return nxt if _truthy(get_path(response_json, self.has_more_path)) else None
        if self.total_pages_path is not None:
            total = get_path(response_json, self.total_pages_path)
            if total is None:
                raise FatalError(f"total pages not found at {self.total_pages_path!r}")
            return nxt if nxt - self.start < int(total) else None
        if self.size is not None and len(data) < self.size:
            return None
        return nxt

    def _apply(self, req: PageRequest, token: int) -> None:
        self._page = token
        self._set(req, self.page_param, token)


class CursorPaginator(_ParamPaginator):
    """An opaque cursor from the body sent back as a parameter; absent or empty = done."""

    def __init__(
        self,
        cursor_path: str,
        cursor_param: str,
        *,
        param_location: ParamLocation = "query",
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.cursor_path, self.cursor_param = cursor_path, cursor_param
        super().__init__(param_location=param_location, max_pages=max_pages)

    def _first_token(self, req: PageRequest) -> Hashable | None:
        first = self._get(req, self.cursor_param)
        return None if first in (None, "") else str(first)

    def _next_token(self, response_json: Any, data: list[Any]) -> Any:
        cursor = get_path(response_json, self.cursor_path)
        return None if cursor in (None, "") else cursor

    def _loop_key(self, token: Any) -> Hashable:
        return str(token)

    def _apply(self, req: PageRequest, token: Any) -> None:
        self._set(req, self.cursor_param, token)


PAGINATORS: dict[str, type[BasePaginator]] = {
    "single_page": SinglePagePaginator,
    "next_url": NextUrlPaginator,
    "offset": OffsetPaginator,
    "page_number": PageNumberPaginator,
    "cursor": CursorPaginator,
}


def register_paginator(name: str, cls: type[BasePaginator]) -> None:
    """Make ``cls`` available to manifests as ``type: name``."""
    if not (isinstance(cls, type) and issubclass(cls, BasePaginator)):
        raise TypeError(f"{cls!r} is not a BasePaginator subclass")
    PAGINATORS[name] = cls


def paginator_from_manifest(manifest: Mapping[str, Any]) -> BasePaginator:
    """``{type: next_url, next_path: next}`` -> a fresh paginator."""
    options = dict(manifest)
    kind = options.pop("type", None)
    if kind not in PAGINATORS:
        raise ConfigError(
            f"paginator: unknown type {kind!r}; expected one of {', '.join(sorted(PAGINATORS))}"
        )
    try:
        return PAGINATORS[kind](**options)
    except TypeError as exc:
        raise ConfigError(f"paginator {kind!r}: {exc}") from None
