from collections.abc import Callable
from typing import Any

import pytest

from connectors._core.errors import ConfigError, FatalError
from connectors._core.pagination import (
    PAGINATORS,
    BasePaginator,
    CursorPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    SinglePagePaginator,
    get_path,
    paginator_from_manifest,
    register_paginator,
)

BASE = "http://127.0.0.1:8080/api/items"


def drive(
    paginator: BasePaginator,
    serve: Callable[[PageRequest], tuple[Any, list]],
    req: PageRequest | None = None,
) -> list[PageRequest]:
    """The client loop of ApiClient.paginate, without HTTP; returns the requests made."""
    req = req or PageRequest(BASE)
    paginator.init_request(req)
    sent = []
    while True:
        sent.append(PageRequest(req.url, dict(req.params), dict(req.json or {}) or None))
        body, data = serve(req)
        paginator.update_state(body, data)
        if not paginator.has_next_page:
            return sent
        paginator.update_request(req)


def pages_by_url(pages: dict[str, Any], selector: str = "data"):
    def serve(req: PageRequest):
        body = pages[req.url]
        return body, get_path(body, selector)

    return serve


# -- next url ---------------------------------------------------------------------------------


def test_next_url_drf_relative_and_absolute_links():
    pages = {
        BASE: {"data": [1, 2], "next": "items?page=2"},
        BASE + "?page=2": {"data": [3], "next": "http://127.0.0.1:8080/api/items?page=3"},
        BASE + "?page=3": {"data": [4], "next": None},
    }
    sent = drive(NextUrlPaginator("next"), pages_by_url(pages), PageRequest(BASE, {"q": "x"}))
    assert [r.url for r in sent] == [BASE, BASE + "?page=2", BASE + "?page=3"]
    assert sent[0].params == {"q": "x"}
    assert sent[1].params == {}  # the link carries its own query


def test_next_url_odata_v2():
    nxt = BASE + "?$skiptoken=abc"
    pages = {
        BASE: {"d": {"results": [1], "__next": nxt}},
        nxt: {"d": {"results": [2]}},
    }
    sent = drive(NextUrlPaginator("d.__next"), pages_by_url(pages, "d.results"))
    assert len(sent) == 2


@pytest.mark.parametrize(
    "link",
    [
        "http://evil.example/api/items?page=2",
        "https://127.0.0.1:8080/api/items?page=2",  # scheme differs
        "http://127.0.0.1:9999/api/items?page=2",  # port differs
        "//evil.example/steal",  # scheme-relative
    ],
)
def test_cross_origin_next_link_is_refused(link):
    pages = {BASE: {"data": [1], "next": link}}
    with pytest.raises(FatalError, match="cross-origin next link"):
        drive(NextUrlPaginator(), pages_by_url(pages))


def test_default_port_is_the_same_origin():
    base = "https://sf.example/odata/v2/Candidate"
    pages = {base: {"data": [1], "next": "https://SF.example:443/odata/v2/Candidate?p=2"}}
    pages["https://SF.example:443/odata/v2/Candidate?p=2"] = {"data": [2]}
    assert len(drive(NextUrlPaginator(), pages_by_url(pages), PageRequest(base))) == 2


def test_next_link_back_to_the_first_page_is_a_loop():
    pages = {
        BASE: {"data": [1], "next": BASE + "?page=2"},
        BASE + "?page=2": {"data": [2], "next": BASE + "?%24top=5"},
    }
    with pytest.raises(FatalError, match="loop detected in pagination"):
        drive(NextUrlPaginator(), pages_by_url(pages), PageRequest(BASE, {"$top": 5}))


def test_next_link_cycle_is_a_loop():
    a, b = BASE + "?p=a", BASE + "?p=b"
    pages = {
        BASE: {"data": [0], "next": a},
        a: {"data": [1], "next": b},
        b: {"data": [2], "next": a},
    }
    with pytest.raises(FatalError, match="loop detected"):
        drive(NextUrlPaginator(), pages_by_url(pages))


def test_max_pages_bounds_a_runaway():
    def endless(req: PageRequest):
        n = int(req.url.rsplit("=", 1)[1]) if "=" in req.url else 0
        return {"data": [n], "next": f"{BASE}?n={n + 1}"}, [n]

    with pytest.raises(FatalError, match="max_pages=3"):
        drive(NextUrlPaginator(max_pages=3), endless)


def test_non_string_next_link_is_fatal():
    with pytest.raises(FatalError, match="not a string"):
        drive(NextUrlPaginator(), pages_by_url({BASE: {"data": [1], "next": {"href": "x"}}}))


# -- offset -----------------------------------------------------------------------------------


def offset_server(total: int, *, has_more: bool = False, with_total: bool = False, cap=None):
    rows = list(range(total))

    def serve(req: PageRequest):
        source = req.params or req.json
        offset, limit = int(source["offset"]), int(source["limit"])
        data = rows[offset : offset + min(limit, cap or limit)]
        body: dict[str, Any] = {"data": data}
        if has_more:
            body["hasMore"] = offset + len(data) < total
        if with_total:
            body["total"] = total
        return body, data

    return serve


def test_offset_stops_on_short_page():
    sent = drive(OffsetPaginator("offset", "limit", 10), offset_server(25))
    assert [r.params for r in sent] == [
        {"offset": 0, "limit": 10},
        {"offset": 10, "limit": 10},
        {"offset": 20, "limit": 10},
    ]


def test_offset_stops_on_empty_page():
    assert len(drive(OffsetPaginator("offset", "limit", 10), offset_server(20))) == 3


def test_offset_has_more():
    p = OffsetPaginator("offset", "limit", 10, has_more_path="hasMore")
    assert len(drive(p, offset_server(20, has_more=True))) == 2


def test_offset_total():
    p = OffsetPaginator("offset", "limit", 10, total_path="total")
    assert len(drive(p, offset_server(30, with_total=True))) == 3


def test_offset_trusts_has_more_over_a_short_page():
    # A server that filters rows after paging returns short pages mid-stream.
    def serve(req: PageRequest):
        offset = req.params["offset"]
        return {"data": [offset], "hasMore": offset < 20}, [offset]

    p = OffsetPaginator("offset", "limit", 10, has_more_path="hasMore")
    assert [r.params["offset"] for r in drive(p, serve)] == [0, 10, 20]


def test_offset_in_json_body():
    p = OffsetPaginator("offset", "limit", 50, has_more_path="hasMore", param_location="body")
    req = PageRequest(BASE, json={"workDateFrom": "2024-01-01"})
    sent = drive(p, offset_server(120, has_more=True), req)
    assert [r.json for r in sent] == [
        {"workDateFrom": "2024-01-01", "offset": off, "limit": 50} for off in (0, 50, 100)
    ]
    assert all(r.params == {} for r in sent)


# -- page number ------------------------------------------------------------------------------


def page_server(total: int, size: int, *, key: str = "page"):
    rows = list(range(total))

    def serve(req: PageRequest):
        source = req.params or req.json
        page = int(source[key])
        data = rows[(page - 1) * size : page * size]
        return {"data": {"recordList": data, "pageCount": -(-total // size)}}, data

    return serve


def test_page_number_short_page():
    p = PageNumberPaginator("page", size_param="page_size", size=10)
    sent = drive(p, page_server(25, 10))
    assert [r.params for r in sent] == [{"page": n, "page_size": 10} for n in (1, 2, 3)]


def test_page_number_total_pages_in_body():
    p = PageNumberPaginator(
        "pageIndex",
        size_param="pageSize",
        size=10,
        total_pages_path="data.pageCount",
        param_location="body",
    )
    sent = drive(p, page_server(30, 10, key="pageIndex"))
    assert [r.json["pageIndex"] for r in sent] == [1, 2, 3]


def test_page_number_has_more():
    def serve(req: PageRequest):
        page = req.params["page"]
        return {"items": [page], "more": page < 3}, [page]

    assert len(drive(PageNumberPaginator(has_more_path="more"), serve)) == 3


def test_page_number_without_size_stops_on_empty_page():
    assert len(drive(PageNumberPaginator("page"), page_server(20, 10))) == 3


def test_page_number_size_pairs():
    with pytest.raises(ConfigError):
        PageNumberPaginator("page", size=10)


# -- cursor -----------------------------------------------------------------------------------


def test_cursor_until_absent_or_empty():
    chain = {None: ("c1", [1]), "c1": ("c2", [2]), "c2": ("", [3])}

    def serve(req: PageRequest):
        cursor, data = chain[req.params.get("cursor")]
        return {"data": data, "meta": {"next": cursor}}, data

    sent = drive(CursorPaginator("meta.next", "cursor"), serve)
    assert [r.params.get("cursor") for r in sent] == [None, "c1", "c2"]


def test_cursor_in_body_dingtalk_queryonjob():
    chain = {0: 50, 50: 100, 100: None}

    def serve(req: PageRequest):
        offset = req.json.get("offset", 0)
        result = {"data_list": [offset]}
        if chain[offset] is not None:
            result["next_cursor"] = chain[offset]
        return {"errcode": 0, "result": result}, [offset]

    p = CursorPaginator("result.next_cursor", "offset", param_location="body")
    sent = drive(p, serve, PageRequest(BASE, json={"status_list": "2,3", "size": 50}))
    assert [r.json.get("offset") for r in sent] == [None, 50, 100]


def test_repeated_cursor_is_a_loop():
    def serve(req: PageRequest):
        return {"data": [1], "next": "same"}, [1]

    with pytest.raises(FatalError, match="loop detected in pagination"):
        drive(CursorPaginator("next", "cursor"), serve)


def test_cursor_equal_to_the_starting_one_is_a_loop():
    with pytest.raises(FatalError, match="loop detected"):
        drive(
            CursorPaginator("next", "cursor"),
            lambda req: ({"data": [1], "next": 7}, [1]),
            PageRequest(BASE, {"cursor": "7"}),
        )


def test_single_page():
    assert len(drive(SinglePagePaginator(), lambda req: ({"data": [1]}, [1]))) == 1


def test_a_paginator_can_run_again():
    p = CursorPaginator("next", "cursor")
    chain = {None: "a", "a": None}

    def serve(req: PageRequest):
        return {"next": chain[req.params.get("cursor")]}, [1]

    assert len(drive(p, serve)) == 2
    assert len(drive(p, serve)) == 2  # init_request resets the seen tokens


def test_update_request_after_the_last_page_is_a_bug():
    p = SinglePagePaginator()
    req = PageRequest(BASE)
    p.init_request(req)
    p.update_state({}, [])
    with pytest.raises(RuntimeError):
        p.update_request(req)


# -- paths, registry, manifests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("d.results", [1]),
        ("d.__next", "n"),
        ("@odata.nextLink", "v4"),
        ("items.1.id", "b"),
        ("items.-1.id", "b"),
        ("items.5.id", None),
        ("d.missing", None),
        ("", "whole"),
    ],
)
def test_get_path(path, expected):
    body = {
        "d": {"results": [1], "__next": "n"},
        "@odata.nextLink": "v4",
        "items": [{"id": "a"}, {"id": "b"}],
    }
    assert get_path(body if path else "whole", path) == expected


def test_registry_and_manifest():
    assert set(PAGINATORS) >= {"next_url", "offset", "page_number", "cursor", "single_page"}
    p = paginator_from_manifest({"type": "next_url", "next_path": "d.__next"})
    assert isinstance(p, NextUrlPaginator) and p.next_path == "d.__next"
    p = paginator_from_manifest(
        {
            "type": "offset",
            "offset_param": "offset",
            "limit_param": "size",
            "limit": 50,
            "has_more_path": "result.has_more",
            "param_location": "body",
        }
    )
    assert isinstance(p, OffsetPaginator) and p.limit == 50


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ({"type": "magic"}, "unknown type 'magic'"),
        ({"next_path": "next"}, "unknown type None"),
        ({"type": "next_url", "nxt": "next"}, "'next_url'"),
        ({"type": "cursor", "cursor_path": "c"}, "'cursor'"),
        ({"type": "offset", "param_location": "header"}, "param_location"),
    ],
)
def test_bad_manifest(manifest, words):
    with pytest.raises(ConfigError, match=words):
        paginator_from_manifest(manifest)


def test_register_paginator_type_checks():
    class Everything(SinglePagePaginator):
        pass

    register_paginator("everything", Everything)
    try:
        assert isinstance(paginator_from_manifest({"type": "everything"}), Everything)
    finally:
        PAGINATORS.pop("everything")
    with pytest.raises(TypeError):
        register_paginator("nope", dict)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        register_paginator("nope", SinglePagePaginator())  # type: ignore[arg-type]
