"""The SuccessFactors simulator's OData query options, fuzzed: whatever a client sends as
$filter, $select, $expand, $orderby, $top, $skip, a key or a $skiptoken is either understood or
refused with ODataError (400, SAP's COE envelope), never another exception.

$filter gets two strategies: arbitrary text, and expressions drawn from the grammar
(well-typed comparisons, functions, `in`, and/or/not, parentheses) then mutated character by
character. Unmutated grammar expressions must parse: a refusal there is a parser bug too.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from connectors._core.simulator import Request
from connectors.successfactors.edm import ENTITY_SETS, EntitySetDef, Nav
from connectors.successfactors.odata_query import (
    BAD_REQUEST,
    NOT_FOUND,
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
)
from connectors.successfactors.simulator import SuccessFactorsSimulator

from .support import JSON_VALUES, fuzz

CANDIDATE = ENTITY_SETS["Candidate"]
APPLICATION = ENTITY_SETS["JobApplication"]
CATEGORY = {
    "Edm.String": "string",
    "Edm.Int64": "number",
    "Edm.Int32": "number",
    "Edm.Double": "number",
    "Edm.Decimal": "number",
    "Edm.Boolean": "boolean",
    "Edm.DateTime": "datetime",
    "Edm.DateTimeOffset": "datetime",
}
CODES = {BAD_REQUEST, NOT_FOUND}


def refused_as_sap_does(exc: ODataError) -> None:
    """An ODataError the simulator can answer as is: 400 and a COE code in SAP's envelope."""
    assert exc.status == 400 and exc.code in CODES, exc
    assert exc.body()["error"]["message"]["value"] == exc.message


# --------------------------------------------------------------------------- records


def _value(edm_type: str) -> st.SearchStrategy[Any]:
    """Values of `edm_type` as the simulator stores them (and None, a missing value)."""
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "Edm.String": st.text(max_size=8),
        "Edm.Int64": st.integers(-(2**63), 2**63 - 1),
        "Edm.Int32": st.integers(-(2**31), 2**31 - 1),
        "Edm.Double": st.floats(allow_nan=False),
        "Edm.Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2),
        "Edm.Boolean": st.booleans(),
        "Edm.DateTime": st.datetimes(timezones=st.just(UTC)),
        "Edm.DateTimeOffset": st.datetimes(
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))])
        ),
    }
    return st.none() | by_type.get(edm_type, st.none())


def records(entity: EntitySetDef) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={p.name: _value(p.edm_type) for p in entity.props})


def resolver(related: list[dict[str, Any]]):
    """Navigation for parse_filter: every record points at `related` (or at nothing)."""

    def resolve(_record: dict, _nav: Nav) -> list[dict]:
        return related

    return resolve


# --------------------------------------------------------------------------- the grammar


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


LITERALS: dict[str, st.SearchStrategy[str]] = {
    "string": st.text(max_size=6).map(_quote),
    "number": st.one_of(
        st.integers(-(2**31), 2**31 - 1).map(str),
        st.integers(-(2**63), 2**63 - 1).map(lambda n: f"{n}L"),
        st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: f"{d}M"),
        st.floats(-1e9, 1e9).map(lambda f: f"{f!r}d" if "e" not in repr(f) else "1.5d"),
    ),
    "boolean": st.sampled_from(["true", "false"]),
    "datetime": st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)).flatmap(
        lambda m: st.sampled_from(
            [
                f"datetimeoffset'{_iso(m)}Z'",
                f"datetime'{_iso(m)}'",
                f"datetimeoffset'{_iso(m)}+08:00'",
            ]
        )
    ),
}


def _members(entity: EntitySetDef) -> dict[str, list[str]]:
    """Filterable properties by category, navigation paths (`nav/prop`) included."""
    found: dict[str, list[str]] = {c: [] for c in LITERALS}
    for prop in entity.props:
        if prop.filterable and prop.edm_type in CATEGORY:
            found[CATEGORY[prop.edm_type]].append(prop.name)
    for nav in entity.navs:
        for prop in ENTITY_SETS[nav.target].props:
            if prop.filterable and prop.edm_type in CATEGORY:
                found[CATEGORY[prop.edm_type]].append(f"{nav.name}/{prop.name}")
    return found


def _comparison(members: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """`member op literal`, `literal op member`, `member in (...)`, or a function call."""
    options = []
    for category, names in members.items():
        if not names:
            continue
        member = st.sampled_from(names)
        ops = ["eq", "ne"] if category == "boolean" else ["eq", "ne", "gt", "ge", "lt", "le"]
        value = LITERALS[category] | st.just("null")
        options.append(st.tuples(member, st.sampled_from(ops), value).map(" ".join))
        options.append(st.tuples(value, st.sampled_from(ops), member).map(" ".join))
        options.append(
            st.tuples(member, st.lists(LITERALS[category], min_size=1, max_size=4)).map(
                lambda t: f"{t[0]} in ({','.join(t[1])})"
            )
        )
    text = st.sampled_from(members["string"])
    word = LITERALS["string"]
    options += [
        st.tuples(st.sampled_from(["startswith", "endswith"]), text, word).map(
            lambda t: f"{t[0]}({t[1]},{t[2]})"
        ),
        st.tuples(word, text).map(lambda t: f"substringof({t[0]},{t[1]})"),
        st.tuples(st.sampled_from(["tolower", "toupper", "trim"]), text, word).map(
            lambda t: f"{t[0]}({t[1]}) eq {t[2]}"
        ),
        st.tuples(text, st.integers(0, 9)).map(lambda t: f"length({t[0]}) gt {t[1]}"),
    ]
    return st.one_of(options)


def filters(entity: EntitySetDef) -> st.SearchStrategy[str]:
    """Well-formed, well-typed $filter expressions over `entity`."""
    return st.recursive(
        _comparison(_members(entity)),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
            inner.map(lambda e: f"not ({e})"),
            inner.map(lambda e: f"({e})"),
        ),
        max_leaves=6,
    )


# Characters that matter to the tokenizer, plus a few it has never seen.
NOISE = st.sampled_from([*"'()/,=*. -+LMdZT:0123456789", "''", " and ", " eq ", "²", "\x00"])


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a few characters deleted, inserted, replaced, or the tail cut off."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.integers(0, len(chars)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "cut", "repeat"]))
        if action == "delete" and where < len(chars):
            del chars[where]
        elif action == "insert":
            chars.insert(where, draw(NOISE))
        elif action == "replace" and where < len(chars):
            chars[where] = draw(NOISE | st.characters())
        elif action == "cut":
            del chars[where:]
        elif action == "repeat":
            chars[where:where] = chars[max(0, where - 5) : where]
    return "".join(chars)


def check_filter(text: str, entity: EntitySetDef, rows: list[dict], related: list[dict]) -> bool:
    """Parse `text`; a predicate must answer True or False for every record. True if parsed."""
    try:
        predicate = parse_filter(text, entity, resolver(related))
    except ODataError as exc:
        refused_as_sap_does(exc)
        return False
    for row in [*rows, {}]:
        assert predicate(row) in (True, False), (text, row)
    return True


# --------------------------------------------------------------------------- $filter


@fuzz(share=2)
@given(st.text(max_size=80), st.lists(records(CANDIDATE), max_size=3))
@example("candidateId eq " + "1" * 5000, [])  # int() refuses 4300+ digits: was ValueError
@example("candidateId eq 1e99999999999999999999", [])  # Decimal's exponent: InvalidOperation
@example("lastModifiedDateTime lt datetime'0001-01-01T00:00:00+01:00'", [])  # OverflowError
@example("lastModifiedDateTime gt datetime'9999-12-31T23:59:59-23:59'", [])  # OverflowError
@example("(" * 200 + "true" + ")" * 200, [])
@example("not " * 200 + "true", [])
def test_any_text_is_a_filter_or_a_400(text: str, rows: list[dict]) -> None:
    check_filter(text, CANDIDATE, rows, [])


@fuzz(share=2)
@given(filters(CANDIDATE), st.lists(records(CANDIDATE), max_size=3), st.data())
def test_a_well_formed_filter_parses_and_answers_every_record(
    text: str, rows: list[dict], data: st.DataObject
) -> None:
    related = data.draw(st.lists(records(ENTITY_SETS["CandidateBackground_Education"]), max_size=2))
    assert check_filter(text, CANDIDATE, rows, related), text


@fuzz(share=3)
@given(st.data())
def test_a_mutated_filter_parses_or_is_a_400(data: st.DataObject) -> None:
    entity = data.draw(st.sampled_from([CANDIDATE, APPLICATION]), label="entity")
    text = data.draw(filters(entity).flatmap(mutated), label="filter")
    rows = data.draw(st.lists(records(entity), max_size=2), label="rows")
    event("parsed" if check_filter(text, entity, rows, []) else "refused")


# --------------------------------------------------------------------------- other options


def _option_text(entity: EntitySetDef) -> st.SearchStrategy[str]:
    """Comma lists of property / navigation names, `nav/prop`, `*`, asc/desc, and junk."""
    names = [p.name for p in entity.props] + [n.name for n in entity.navs]
    part = st.one_of(
        st.sampled_from(names),
        st.sampled_from([f"{n.name}/*" for n in entity.navs] + ["*", "a/b/c", ""]),
        st.tuples(st.sampled_from(names), st.sampled_from(["asc", "desc", "up", ""])).map(" ".join),
        st.text(max_size=6),
    )
    return st.lists(part, max_size=4).map(",".join) | st.text(max_size=30)


@fuzz()
@given(
    st.sampled_from([CANDIDATE, APPLICATION]).flatmap(
        lambda e: st.tuples(st.just(e), _option_text(e))
    )
)
def test_select_expand_and_orderby_parse_or_are_a_400(case: tuple[EntitySetDef, str]) -> None:
    entity, text = case
    for parse in (parse_select, parse_expand, parse_orderby):
        try:
            parse(text, entity)
        except ODataError as exc:
            refused_as_sap_does(exc)


@fuzz()
@given(st.text(max_size=40) | st.integers(-5, 10**30).map(str))
@example("²")  # str.isdigit() says yes, int() says no: was ValueError
@example("1" * 5000)  # int() refuses 4300+ digits: was ValueError
@example("0" * 5000 + "7")
def test_top_and_skip_are_a_count_or_a_400(text: str) -> None:
    try:
        count = parse_count(text, "$top")
    except ODataError as exc:
        refused_as_sap_does(exc)
        assert "$top" in exc.message
        return
    assert count >= 0 and str(count) == (text.strip().lstrip("0") or "0")


KEYS = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(lambda n: f"{n}L"),
    st.tuples(st.sampled_from(["candidateId", "applicationId", "x"]), LITERALS["number"]).map(
        lambda t: f"({t[0]}={t[1]})"
    ),
    st.just("(" + "1" * 5000 + "L)"),
)


@fuzz()
@given(st.sampled_from([CANDIDATE, APPLICATION, ENTITY_SETS["JobApplicationStatusLabel"]]), KEYS)
@example(CANDIDATE, "1" * 5000)  # was ValueError from int()
@example(CANDIDATE, "1e99999999999999999999M")  # was decimal.InvalidOperation
def test_a_key_predicate_is_a_key_or_a_400(entity: EntitySetDef, text: str) -> None:
    try:
        key = parse_key(entity, text)
    except ODataError as exc:
        refused_as_sap_does(exc)
        return
    assert set(key) == set(entity.key)


FINGERPRINT = "fuzz-query"
TAG = hashlib.sha256(FINGERPRINT.encode()).hexdigest()[:12]  # public: derived, not secret


def _token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


SKIPTOKENS = st.one_of(
    st.text(max_size=40),
    st.integers(0, 10**6).map(lambda n: encode_skiptoken(n, FINGERPRINT)),
    st.integers(0, 10**6).map(lambda n: encode_skiptoken(n, FINGERPRINT)).flatmap(mutated),
    # Hand-made tokens with this query's tag: only the offset is the client's to choose.
    st.text(max_size=12).map(lambda offset: _token(f"v1:{offset}:{TAG}")),
)


@fuzz()
@given(SKIPTOKENS)
@example(_token(f"v1:²:{TAG}"))  # a digit to str.isdigit(), not to int(): not ASCII, refused
@example(_token(f"v1:{'1' * 5000}:{TAG}"))  # int() refuses 4300+ digits: was ValueError
def test_a_skiptoken_is_an_offset_of_this_query_or_a_400(token: str) -> None:
    try:
        offset = decode_skiptoken(token, FINGERPRINT)
    except ODataError as exc:
        refused_as_sap_does(exc)
        event("refused")
        return
    event("offset")
    assert (
        offset >= 0
        and decode_skiptoken(encode_skiptoken(offset, FINGERPRINT), FINGERPRINT) == offset
    )


@fuzz(share=2)
@given(st.sampled_from([p for e in (CANDIDATE, APPLICATION) for p in e.props]), JSON_VALUES)
@example(CANDIDATE.prop("lastModifiedDateTime"), "/Date(" + "9" * 30 + ")/")
@example(CANDIDATE.prop("candidateId"), "1" * 5000)
def test_a_json_value_a_client_writes_is_typed_or_a_400(prop: Any, value: Any) -> None:
    try:
        parsed = from_json(prop, value)
    except ODataError as exc:
        refused_as_sap_does(exc)
        assert prop.name in exc.message  # the error names the property
        return
    kinds = {
        "string": str,
        "number": int | float | Decimal,
        "boolean": bool,
        "datetime": datetime,
    }
    category = CATEGORY.get(prop.edm_type)
    if parsed is not None and category is not None:
        assert isinstance(parsed, kinds[category]), (prop.edm_type, parsed)


# --------------------------------------------------------------------------- the simulator

BASIC = "Basic " + base64.b64encode(b"sfapi@HRHUBDEV:sfapi-Secret1").decode()


@pytest.fixture(scope="module")
def sf_sim() -> SuccessFactorsSimulator:
    """Answers in-process (`handle`): no server, no socket; GETs leave its data as it is."""
    return SuccessFactorsSimulator(candidates=30, requisitions=3, seed=3)


def get(sim: SuccessFactorsSimulator, path: str, query: dict[str, str]) -> Any:
    request = Request(
        "GET",
        path,
        query={k: [v] for k, v in query.items()},
        headers={"authorization": BASIC},
        base_url="http://sf.test",
    )
    return sim.handle(request)


def answered_as_sap_does(sim: SuccessFactorsSimulator, resp: Any, before: int) -> None:
    """A success, or SAP's error envelope with a 4xx: never the simulator's own 500."""
    assert sim.counters["handler_errors"] == before, resp.body
    assert resp.status < 500, resp.body
    if resp.status >= 400:
        assert set(resp.body["error"]) == {"code", "message"}, resp.body
        assert resp.body["error"]["message"]["value"]


def _path(entity: EntitySetDef) -> st.SearchStrategy[str]:
    base = f"/odata/v2/{entity.name}"
    key = KEYS.map(lambda k: k.replace(")", "").replace("/", ""))
    return st.one_of(
        st.just(base),
        st.just(base + "/$count"),
        key.map(lambda k: f"{base}({k})"),
        st.tuples(key, st.sampled_from([n.name for n in entity.navs] + ["nope"])).map(
            lambda t: f"{base}({t[0]})/{t[1]}"
        ),
    )


@fuzz(share=0.5)
@given(st.data())
def test_the_simulator_answers_any_query_options_with_data_or_sap_error(
    sf_sim: SuccessFactorsSimulator, data: st.DataObject
) -> None:
    entity = data.draw(st.sampled_from([CANDIDATE, APPLICATION]), label="entity")
    path = data.draw(_path(entity), label="path")
    options = {
        "$filter": filters(entity).flatmap(mutated) | filters(entity) | st.text(max_size=30),
        "$select": _option_text(entity),
        "$expand": _option_text(entity),
        "$orderby": _option_text(entity),
        "$inlinecount": st.sampled_from(["allpages", "none", "x"]),
        "$format": st.sampled_from(["json", "JSON", "xml", ""]),
        "$skiptoken": st.text(max_size=20),
        "paging": st.sampled_from(["snapshot", "x"]),
    }
    query = data.draw(st.fixed_dictionaries({}, optional=options), label="query")
    before = sf_sim.counters["handler_errors"]
    resp = get(sf_sim, path, query)
    event(f"HTTP {resp.status}")
    answered_as_sap_does(sf_sim, resp, before)


# The simulator read $top, $skip and customPageSize with str.isdigit() and int(): these were
# its 500s until it read them with parse_count.
@pytest.mark.parametrize("option", ["$top", "$skip", "customPageSize"])
@pytest.mark.parametrize("value", ["²", "1" * 5000])
def test_the_simulator_answers_bad_top_and_skip_with_a_400(
    sf_sim: SuccessFactorsSimulator, option: str, value: str
) -> None:
    before = sf_sim.counters["handler_errors"]
    resp = get(sf_sim, "/odata/v2/Candidate", {option: value})
    answered_as_sap_does(sf_sim, resp, before)
    assert resp.status == 400


# A fuzz test that found nothing proves little if its inputs never reach the parser's errors:
# these pin that the strategies hit both outcomes.
@pytest.mark.parametrize(
    ("text", "parses"),
    [("candidateId eq 1", True), ("candidateId eq", False), ("candidateId eq 'x'", False)],
)
def test_the_filter_check_tells_accepted_from_refused(text: str, parses: bool) -> None:
    assert check_filter(text, CANDIDATE, [{"candidateId": 1}], []) is parses
