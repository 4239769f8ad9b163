"""OData v2 query options over in-memory records, the way SuccessFactors reads them.

Why it exists: the simulator must refuse what SAP refuses (unknown or non-filterable
properties, type mismatches, bad syntax) and answer what SAP answers, so a client that passes
against the simulator passes against SAP. Records are dicts of Python values: int, str, bool,
float, Decimal, aware datetime (naive ones are read as UTC). No I/O, no HTTP.

Public API: ``ODataError``; ``parse_filter``; ``parse_orderby`` / ``sort_records``;
``parse_select``; ``parse_expand``; ``parse_count``; ``to_json`` / ``from_json``; ``parse_key``;
``query_fingerprint`` / ``encode_skiptoken`` / ``decode_skiptoken``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.successfactors.edm import EntitySetDef, Nav, Prop

__all__ = [
    "ODataError",
    "decode_skiptoken",
    "encode_skiptoken",
    "from_json",
    "parse_count",
    "parse_expand",
    "parse_filter",
    "parse_key",
    "parse_orderby",
    "parse_select",
    "query_fingerprint",
    "sort_records",
    "to_json",
]

BAD_REQUEST = "COE_GENERAL_BAD_REQUEST"
NOT_FOUND = "COE_PROPERTY_NOT_FOUND"


class ODataError(Exception):
    """An error the service answers with SAP's COE envelope; ``status`` is the HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """SAP's error JSON, as the real service sends it."""
        return {"error": {"code": self.code, "message": {"lang": "en-US", "value": self.message}}}


def _bad(message: str) -> ODataError:
    return ODataError(400, BAD_REQUEST, message)


# --------------------------------------------------------------------------- dates

_ISO_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"([Zz]|[+-]\d{2}:?\d{2})?"
)
_DATE_JSON_RE = re.compile(r"/Date\((-?\d+)(?:([+-])(\d{1,4}))?\)/")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _parse_iso(text: str) -> datetime:
    """ISO 8601 date-time -> aware datetime; no offset means UTC (SAP's rule [S30])."""
    m = _ISO_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an ISO 8601 date-time: {text!r}")
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    tzinfo: timezone = UTC
    if tz and tz not in "Zz":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime(
        int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro, tzinfo=tzinfo
    )


def _aware(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _epoch_ms(value: datetime | date) -> int:
    return (_aware(value) - _EPOCH) // _MS


# --------------------------------------------------------------------------- JSON values

_INT_RANGE = {"Edm.Int64": (-(2**63), 2**63 - 1), "Edm.Int32": (-(2**31), 2**31 - 1)}


def to_json(prop: Prop, value: Any) -> Any:
    """A Python value as SAP writes it in verbose JSON (Int64 and Decimal as strings)."""
    if value is None:
        return None
    t = prop.edm_type
    if t == "Edm.DateTime":
        return f"/Date({_epoch_ms(value)})/"
    if t == "Edm.DateTimeOffset":
        return f"/Date({_epoch_ms(value)}+0000)/"
    if t == "Edm.Int64":
        return str(int(value))
    if t == "Edm.Decimal":
        return format(Decimal(str(value)) if isinstance(value, float) else Decimal(value), "f")
    if t == "Edm.Int32":
        return int(value)
    if t == "Edm.Double":
        return float(value)
    if t == "Edm.Boolean":
        return bool(value)
    return str(value)


def from_json(prop: Prop, value: Any) -> Any:
    """A JSON value sent by a client -> Python value; 400 naming the property if malformed.

    Dates accept ``/Date(ms)/``, ``/Date(ms±mmmm)/`` (ms is UTC, the offset is minutes of
    the zone to show it in, as pyodata writes it) and ISO 8601 strings.
    """
    if value is None:
        return None
    try:
        return _from_json(prop.edm_type, value)
    except (ValueError, TypeError, InvalidOperation, OverflowError) as exc:
        raise _bad(
            f"Invalid value {value!r} for property {prop.name} of type {prop.edm_type}: {exc}"
        ) from None


def _from_json(t: str, value: Any) -> Any:
    if t == "Edm.String":
        if not isinstance(value, str):
            raise TypeError("expected a string")
        return value
    if t == "Edm.Boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise TypeError("expected true or false")
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if t in _INT_RANGE:
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            value = int(value)
        if not isinstance(value, int):
            raise TypeError("expected an integer")
        lo, hi = _INT_RANGE[t]
        if not lo <= value <= hi:
            raise ValueError("out of range")
        return value
    if t == "Edm.Decimal":
        if not isinstance(value, str | int | float):
            raise TypeError("expected a decimal")
        d = Decimal(str(value).strip())
        if not d.is_finite():
            raise ValueError("not finite")
        return d
    if t == "Edm.Double":
        if isinstance(value, str):
            value = float(value)
        if not isinstance(value, int | float):
            raise TypeError("expected a number")
        return float(value)
    if t in ("Edm.DateTime", "Edm.DateTimeOffset"):
        if not isinstance(value, str):
            raise TypeError("expected /Date(ms)/ or an ISO 8601 string")
        m = _DATE_JSON_RE.fullmatch(value.strip())
        if m is None:
            return _parse_iso(value).astimezone(UTC) if t == "Edm.DateTime" else _parse_iso(value)
        instant = _EPOCH + int(m.group(1)) * _MS
        if m.group(2) is None or t == "Edm.DateTime":
            return instant
        minutes = int(m.group(3)) * (-1 if m.group(2) == "-" else 1)
        return instant.astimezone(timezone(timedelta(minutes=minutes)))
    raise TypeError(f"unsupported type {t}")


# --------------------------------------------------------------------------- tokenizer

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<typed>(?:datetimeoffset|datetime|guid|time|binary|X)'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[LlMmDdFf]?)(?![\w.])
  | (?P<ident>[A-Za-z_]\w*(?:/(?:[A-Za-z_]\w*|\*))*)
  | (?P<punct>[(),=])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # lit | ident | punct | eof
    text: str
    pos: int
    value: Any = None
    typ: str = ""  # Edm type of a literal, "null" for null


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            if text[pos] == "'":
                raise _bad(f"Syntax error at position {pos}: unterminated string literal")
            raise _bad(f"Syntax error at position {pos}: unexpected character {text[pos]!r}")
        kind, raw = m.lastgroup or "", m.group()
        if kind == "string":
            toks.append(_Tok("lit", raw, pos, raw[1:-1].replace("''", "'"), "Edm.String"))
        elif kind == "number":
            value, typ = _number(raw, pos)
            toks.append(_Tok("lit", raw, pos, value, typ))
        elif kind == "typed":
            value, typ = _typed(raw, pos)
            toks.append(_Tok("lit", raw, pos, value, typ))
        elif kind == "ident" and raw in ("true", "false"):
            toks.append(_Tok("lit", raw, pos, raw == "true", "Edm.Boolean"))
        elif kind == "ident" and raw == "null":
            toks.append(_Tok("lit", raw, pos, None, "null"))
        elif kind in ("ident", "punct"):
            toks.append(_Tok(kind, raw, pos))
        pos = m.end()
    toks.append(_Tok("eof", "", len(text)))
    return toks


def _number(raw: str, pos: int) -> tuple[Any, str]:
    suffix = raw[-1].upper() if raw[-1].isalpha() and raw[-1] not in "eE" else ""
    body = raw[:-1] if suffix else raw
    is_int = re.fullmatch(r"-?\d+", body) is not None
    if suffix in ("D", "F"):
        return float(body), "Edm.Double"
    if suffix == "M" or (not suffix and not is_int):
        try:
            return Decimal(body), "Edm.Decimal"
        except InvalidOperation:  # an exponent beyond what Decimal can hold
            raise _bad(f"Syntax error at position {pos}: {raw!r} is out of range") from None
    if not is_int:
        raise _bad(f"Syntax error at position {pos}: {raw!r} is not an integer literal")
    # int() refuses texts of thousands of digits (leading zeros too): 20 digits are too many.
    sign, digits = ("-", body[1:]) if body.startswith("-") else ("", body)
    digits = digits.lstrip("0") or "0"
    if len(digits) > 19:
        raise _bad(f"Syntax error at position {pos}: {raw!r} is out of range")
    value = int(sign + digits)
    if not -(2**63) <= value < 2**63:
        raise _bad(f"Syntax error at position {pos}: {raw!r} is out of range")
    if suffix == "L" or not -(2**31) <= value < 2**31:
        return value, "Edm.Int64"
    return value, "Edm.Int32"


def _typed(raw: str, pos: int) -> tuple[Any, str]:
    prefix, _, rest = raw.partition("'")
    body = rest[:-1].replace("''", "'")
    if prefix in ("datetime", "datetimeoffset"):
        try:
            value = _parse_iso(body)
            if prefix == "datetime":  # moving year 1 or 9999 to UTC can leave the calendar
                return value.astimezone(UTC), "Edm.DateTime"
        except (ValueError, OverflowError):
            raise _bad(f"Syntax error at position {pos}: invalid {prefix} literal {raw}") from None
        return value, "Edm.DateTimeOffset"
    if prefix == "guid":
        return body, "Edm.String"
    raise _bad(f"Syntax error at position {pos}: {prefix} literals are not supported")


# --------------------------------------------------------------------------- filter

_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
_CATEGORY = {
    "Edm.String": "string",
    "Edm.Int64": "number",
    "Edm.Int32": "number",
    "Edm.Double": "number",
    "Edm.Decimal": "number",
    "Edm.Boolean": "boolean",
    "Edm.DateTime": "datetime",
    "Edm.DateTimeOffset": "datetime",
    "null": "null",
}
_MAX_DEPTH = 64

# A navigation resolver: the records a nav property of one record points at.
NavResolver = Callable[[dict, "Nav"], list[dict]]


class _Multi(tuple):
    """Values reached through a to-many navigation: a comparison holds if any value does."""


def _candidates(value: Any) -> tuple:
    return tuple(value) if isinstance(value, _Multi) else (value,)


@dataclass(frozen=True)
class _Node:
    typ: str  # an Edm type, or "null"
    ev: Callable[[dict], Any]
    desc: str  # for error messages
    pos: int
    const: bool = False  # a literal: the same value for every record
    prop: str | None = None  # a property of the record itself (not through a navigation)
    # `prop` equal to one of these values, and nothing else: the rows can be looked up
    lookup: tuple[str, frozenset[Any]] | None = None


@dataclass(frozen=True)
class Predicate:
    """A compiled $filter. `lookup` is (property, values) when the filter only asks for
    records whose property equals one of the values (`key in (...)`, `key eq 5`): a store
    with an index can fetch those rows instead of testing every record."""

    test: Callable[[dict], bool]
    lookup: tuple[str, frozenset[Any]] | None = None

    def __call__(self, record: dict) -> bool:
        return self.test(record)


def _norm(value: Any) -> Any:
    """Make values of one category comparable: dates become aware datetimes."""
    if isinstance(value, date):
        return _aware(value)
    return value


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        if op == "eq":
            return a is None and b is None
        if op == "ne":
            return not (a is None and b is None)
        return False
    try:
        return bool(_COMPARE[op](_norm(a), _norm(b)))
    except TypeError:
        return False


class _FilterParser:
    """Recursive descent over the tokens; builds closures, checks types as it goes.

    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | compare
    compare := primary (OP primary | 'in' '(' primary (',' primary)* ')')?
    primary := '(' expr ')' | literal | name '(' args ')' | member
    """

    def __init__(self, text: str, entity: EntitySetDef, resolve: NavResolver | None) -> None:
        self.toks = _tokenize(text)
        self.i = 0
        self.entity = entity
        self.resolve = resolve
        self.depth = 0

    # -- token helpers
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at_word(self, word: str) -> bool:
        tok = self.peek()
        return tok.kind == "ident" and tok.text == word

    def expect(self, text: str) -> _Tok:
        tok = self.peek()
        if tok.text != text or tok.kind not in ("punct", "ident"):
            raise self.error(tok, f"expected {text!r}")
        return self.take()

    def error(self, tok: _Tok, what: str) -> ODataError:
        found = "end of input" if tok.kind == "eof" else repr(tok.text)
        return _bad(f"Syntax error at position {tok.pos}: {what}, found {found}")

    # -- grammar
    def parse(self) -> Predicate:
        node = self.expr()
        if self.peek().kind != "eof":
            raise self.error(self.peek(), "expected 'and', 'or' or end of $filter")
        self.need_bool(node)
        ev = node.ev
        return Predicate(lambda record: _truth(ev(record)) is True, node.lookup)

    def expr(self) -> _Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _bad(f"$filter nests deeper than {_MAX_DEPTH} levels")
        node = self.and_()
        while self.at_word("or"):
            self.take()
            node = self.logical("or", node, self.and_())
        self.depth -= 1
        return node

    def and_(self) -> _Node:
        node = self.unary()
        while self.at_word("and"):
            self.take()
            node = self.logical("and", node, self.unary())
        return node

    def unary(self) -> _Node:
        if self.at_word("not"):
            tok = self.take()
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise _bad(f"$filter nests deeper than {_MAX_DEPTH} levels")
            inner = self.unary()
            self.depth -= 1
            self.need_bool(inner)
            ev = inner.ev

            def neg(r: dict) -> bool | None:
                v = _truth(ev(r))
                return None if v is None else not v

            return _Node("Edm.Boolean", neg, f"not {inner.desc}", tok.pos)
        return self.compare()

    def compare(self) -> _Node:
        left = self.primary()
        tok = self.peek()
        if tok.kind == "ident" and tok.text in _COMPARE:
            self.take()
            right = self.primary()
            return self.comparison(tok, left, right)
        if tok.kind == "ident" and tok.text == "in":
            self.take()
            self.expect("(")
            items = [self.primary()]
            while self.peek().text == "," and self.peek().kind == "punct":
                self.take()
                items.append(self.primary())
            self.expect(")")
            return self.membership(tok, left, items)
        return left

    def primary(self) -> _Node:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        if tok.kind == "lit":
            self.take()
            value = tok.value
            return _Node(tok.typ, lambda _r: value, f"literal {tok.text}", tok.pos, const=True)
        if tok.kind == "ident" and tok.text not in _KEYWORDS:
            self.take()
            nxt = self.peek()
            if nxt.kind == "punct" and nxt.text == "(":
                return self.function(tok)
            return self.member(tok)
        raise self.error(tok, "expected a property, a literal, a function or '('")

    # -- node builders
    def logical(self, op: str, left: _Node, right: _Node) -> _Node:
        self.need_bool(left)
        self.need_bool(right)
        lev, rev = left.ev, right.ev
        if op == "and":

            def ev(r: dict) -> bool | None:
                a = _truth(lev(r))
                if a is False:
                    return False
                b = _truth(rev(r))
                if b is False:
                    return False
                return None if a is None or b is None else True

        else:

            def ev(r: dict) -> bool | None:
                a = _truth(lev(r))
                if a is True:
                    return True
                b = _truth(rev(r))
                if b is True:
                    return True
                return None if a is None or b is None else False

        return _Node("Edm.Boolean", ev, f"{left.desc} {op} {right.desc}", left.pos)

    def comparable(self, op: _Tok, left: _Node, right: _Node) -> None:
        a, b = _CATEGORY[left.typ], _CATEGORY[right.typ]
        if "null" in (a, b) or a == b:
            if a == b == "boolean" and op.text not in ("eq", "ne"):
                raise _bad(f"Operator {op.text} at position {op.pos} does not apply to booleans")
            return
        raise _bad(
            f"Type mismatch at position {op.pos}: cannot compare {left.desc} ({left.typ}) "
            f"with {right.desc} ({right.typ}) using {op.text}"
        )

    def comparison(self, op: _Tok, left: _Node, right: _Node) -> _Node:
        self.comparable(op, left, right)
        lev, rev, name = left.ev, right.ev, op.text

        def ev(r: dict) -> bool:
            lv, rv = lev(r), rev(r)
            return any(
                _compare(name, a, b) for a, b in itertools.product(_candidates(lv), _candidates(rv))
            )

        lookup = None
        if name == "eq" and left.prop and right.const and right.ev({}) is not None:
            lookup = (left.prop, frozenset({_norm(right.ev({}))}))
        desc = f"{left.desc} {name} {right.desc}"
        return _Node("Edm.Boolean", ev, desc, left.pos, lookup=lookup)

    def membership(self, op: _Tok, left: _Node, items: list[_Node]) -> _Node:
        fake_eq = _Tok("ident", "eq", op.pos)
        for item in items:
            self.comparable(fake_eq, left, item)
        lev, evs = left.ev, [item.ev for item in items]
        if all(item.const for item in items):
            # Literal lists (the usual `key in (1,2,...)` lookups) become one set probe per
            # record instead of a comparison per value: lookups of hundreds of keys stay cheap.
            wanted = frozenset(_norm(e({})) for e in evs)

            def ev_set(r: dict) -> bool:
                return any(_norm(a) in wanted for a in _candidates(lev(r)))

            lookup = (left.prop, wanted) if left.prop else None
            return _Node("Edm.Boolean", ev_set, f"{left.desc} in (...)", left.pos, lookup=lookup)

        def ev(r: dict) -> bool:
            values = [e(r) for e in evs]
            return any(_compare("eq", a, b) for a in _candidates(lev(r)) for b in values)

        return _Node("Edm.Boolean", ev, f"{left.desc} in (...)", left.pos)

    def member(self, tok: _Tok) -> _Node:
        parts = tok.text.split("/")
        if len(parts) == 1:
            name = tok.text
            if self.entity.has_nav(name):
                raise _bad(
                    f"Navigation property {name} at position {tok.pos} is not a value; "
                    f"use {name}/<property>"
                )
            prop = self.filterable(self.entity, name)
            return _Node(
                prop.edm_type, lambda r: r.get(name), f"property {name}", tok.pos, prop=name
            )
        if len(parts) != 2 or parts[1] == "*":
            raise _bad(f"Unsupported property path {tok.text} at position {tok.pos}")
        nav = self.entity.nav(parts[0])
        prop = self.filterable(_target(nav), parts[1])
        resolve = self.resolve
        if resolve is None:
            raise _bad(f"Navigation paths are not supported in this $filter: {tok.text}")
        pname = prop.name

        def ev(r: dict) -> Any:
            values = [t.get(pname) for t in resolve(r, nav)]
            if nav.many:
                return _Multi(values)
            return values[0] if values else None

        return _Node(prop.edm_type, ev, f"property {tok.text}", tok.pos)

    @staticmethod
    def filterable(entity: EntitySetDef, name: str) -> Prop:
        prop = entity.prop(name)
        if not prop.filterable:
            raise _bad(f"Property {entity.name}/{name} is not filterable")
        return prop

    def function(self, name_tok: _Tok) -> _Node:
        spec = _FUNCTIONS.get(name_tok.text)
        if spec is None:
            raise _bad(f"Unknown function {name_tok.text} at position {name_tok.pos}")
        self.expect("(")
        args: list[_Node] = []
        if not (self.peek().kind == "punct" and self.peek().text == ")"):
            args.append(self.expr())
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.take()
                args.append(self.expr())
        self.expect(")")
        arg_types, result_type, impl = spec
        if len(args) != len(arg_types):
            raise _bad(
                f"Function {name_tok.text} at position {name_tok.pos} takes "
                f"{len(arg_types)} argument(s), got {len(args)}"
            )
        for arg, want in zip(args, arg_types, strict=True):
            if _CATEGORY[arg.typ] not in (want, "null"):
                raise _bad(
                    f"Type mismatch at position {arg.pos}: {name_tok.text} expects {want}, "
                    f"got {arg.desc} ({arg.typ})"
                )
        evs = [a.ev for a in args]

        def ev(r: dict) -> Any:
            values = [_candidates(e(r)) for e in evs]
            results = [impl(*combo) for combo in itertools.product(*values)]
            return results[0] if len(results) == 1 else _Multi(results)

        desc = f"{name_tok.text}(...)"
        return _Node(result_type, ev, desc, name_tok.pos)

    @staticmethod
    def need_bool(node: _Node) -> None:
        if node.typ != "Edm.Boolean":
            raise _bad(f"Expected a boolean expression at position {node.pos}, got {node.desc}")


def _truth(value: Any) -> bool | None:
    if isinstance(value, _Multi):
        return any(v is True for v in value)
    return value if value is None else value is True


def _str_fn(fn: Callable[..., Any], null: Any = None) -> Callable[..., Any]:
    def impl(*args: Any) -> Any:
        if any(not isinstance(a, str) for a in args):
            return null
        return fn(*args)

    return impl


_KEYWORDS = frozenset({"and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "in"})
_FUNCTIONS: dict[str, tuple[tuple[str, ...], str, Callable[..., Any]]] = {
    "substringof": (("string", "string"), "Edm.Boolean", _str_fn(lambda a, b: a in b, False)),
    "startswith": (("string", "string"), "Edm.Boolean", _str_fn(str.startswith, False)),
    "endswith": (("string", "string"), "Edm.Boolean", _str_fn(str.endswith, False)),
    "tolower": (("string",), "Edm.String", _str_fn(str.lower)),
    "toupper": (("string",), "Edm.String", _str_fn(str.upper)),
    "trim": (("string",), "Edm.String", _str_fn(str.strip)),
    "length": (("string",), "Edm.Int32", _str_fn(len)),
}


def _target(nav: Nav) -> EntitySetDef:
    from connectors.successfactors.edm import ENTITY_SETS  # edm imports this module

    return ENTITY_SETS[nav.target]


def parse_filter(text: str, entity: EntitySetDef, resolve: NavResolver | None = None) -> Predicate:
    """Compile ``$filter`` for ``entity`` into a predicate over records.

    ``resolve(record, nav)`` lets paths like ``jobAppStatus/appStatusName`` reach related
    records; without it such paths are refused. Blank text matches everything.
    """
    if not text.strip():
        return Predicate(lambda _record: True)
    return _FilterParser(text, entity, resolve).parse()


# --------------------------------------------------------------------------- orderby/select/expand


def _items(text: str, option: str) -> list[str]:
    items = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise _bad(f"Invalid {option}: {text!r}")
    return items


def parse_orderby(text: str, entity: EntitySetDef) -> list[tuple[str, bool]]:
    """``$orderby`` -> [(property, descending)]; properties must exist and be sortable."""
    result: list[tuple[str, bool]] = []
    for item in _items(text, "$orderby"):
        words = item.split()
        if len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise _bad(f"Invalid $orderby item {item!r}: expected '<property> [asc|desc]'")
        prop = entity.prop(words[0])
        if not prop.sortable:
            raise _bad(f"Property {entity.name}/{prop.name} is not sortable")
        result.append((prop.name, len(words) == 2 and words[1] == "desc"))
    return result


def _sort_key(value: Any) -> Any:
    return _norm(value)


def sort_records(records: Iterable[dict], orderby: list[tuple[str, bool]]) -> list[dict]:
    """Stable sort by ``orderby``; records missing a value (None) go last either way."""
    out = list(records)
    for name, desc in reversed(orderby):
        present = [r for r in out if r.get(name) is not None]
        missing = [r for r in out if r.get(name) is None]
        present.sort(key=lambda r, n=name: _sort_key(r[n]), reverse=desc)
        out = present + missing
    return out


def parse_select(text: str, entity: EntitySetDef) -> list[str] | None:
    """``$select`` -> list of items (property, nav, ``nav/prop``, ``nav/*``); None = all."""
    if not text.strip():
        return None
    items = _items(text, "$select")
    if "*" in items:
        return None
    out: list[str] = []
    for item in items:
        head, _, rest = item.partition("/")
        if not rest:
            if not entity.has_nav(head):
                entity.prop(head)
        else:
            nav = entity.nav(head)
            if "/" in rest:
                raise _bad(f"Invalid $select item {item!r}: one level of navigation only")
            if rest != "*":
                _target(nav).prop(rest)
        if item not in out:
            out.append(item)
    return out


def parse_expand(text: str, entity: EntitySetDef) -> list[str]:
    """``$expand`` -> navigation names (one level); unknown names are 400."""
    if not text.strip():
        return []
    out: list[str] = []
    for item in _items(text, "$expand"):
        if "/" in item:
            raise _bad(f"Invalid $expand item {item!r}: one level of navigation only")
        entity.nav(item)
        if item not in out:
            out.append(item)
    return out


def parse_count(text: str, option: str) -> int:
    """``$top``, ``$skip`` or a page size: a non-negative integer in ASCII digits; 400 else.

    ``str.isdigit()`` alone passes texts ``int()`` refuses: "²", or thousands of digits.
    """
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > 18:
        raise _bad(f"Invalid value {text!r} for {option}: a non-negative integer.")
    return int(digits.lstrip("0") or "0")


# --------------------------------------------------------------------------- keys


def parse_key(set_def: EntitySetDef, text: str) -> dict[str, Any]:
    """``123L``, ``(candidateId=123L)`` or ``Candidate(123L)`` -> {key property: value}."""
    body = text.strip()
    if body.startswith(set_def.name + "("):
        body = body[len(set_def.name) :]
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    if not body.strip():
        raise _bad(f"Invalid key predicate for {set_def.name}: {text!r}")
    toks = _tokenize(body)[:-1]
    pairs: list[tuple[str | None, _Tok]] = []
    if len(toks) == 1 and toks[0].kind == "lit":
        pairs.append((None, toks[0]))
    else:
        i = 0
        while i < len(toks):
            chunk = toks[i : i + 3]
            if (
                len(chunk) < 3
                or chunk[0].kind != "ident"
                or chunk[1].text != "="
                or chunk[2].kind != "lit"
            ):
                raise _bad(f"Invalid key predicate for {set_def.name}: {text!r}")
            pairs.append((chunk[0].text, chunk[2]))
            i += 3
            if i < len(toks):
                if toks[i].text != ",":
                    raise _bad(f"Invalid key predicate for {set_def.name}: {text!r}")
                i += 1
                if i == len(toks):
                    raise _bad(f"Invalid key predicate for {set_def.name}: {text!r}")
    if pairs[0][0] is None:
        if len(set_def.key) != 1:
            raise _bad(f"{set_def.name} has a composite key: name every key property")
        pairs = [(set_def.key[0], pairs[0][1])]
    key: dict[str, Any] = {}
    for name, tok in pairs:
        assert name is not None
        prop = set_def.prop(name)
        if name not in set_def.key or name in key:
            raise _bad(f"{name} is not a key property of {set_def.name}, or is repeated")
        key[name] = _key_value(prop, tok)
    if set(key) != set(set_def.key):
        raise _bad(f"Key of {set_def.name} needs {', '.join(set_def.key)}")
    return key


def _key_value(prop: Prop, tok: _Tok) -> Any:
    category = _CATEGORY.get(prop.edm_type)
    if _CATEGORY.get(tok.typ) != category or category not in ("number", "string"):
        raise _bad(f"Invalid key value {tok.text} for {prop.name} ({prop.edm_type})")
    if prop.edm_type in _INT_RANGE and not isinstance(tok.value, int):
        raise _bad(f"Invalid key value {tok.text} for {prop.name} ({prop.edm_type})")
    return tok.value


# --------------------------------------------------------------------------- skiptoken


def query_fingerprint(*parts: object) -> str:
    """A stable digest of what defines a query (set, filter, orderby, ...) for skiptokens."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def encode_skiptoken(offset: int, query_fingerprint: str) -> str:
    """An opaque ``$skiptoken`` for ``offset`` that only the same query accepts back."""
    if offset < 0:
        raise ValueError("offset must be >= 0")
    tag = hashlib.sha256(query_fingerprint.encode()).hexdigest()[:12]
    raw = f"v1:{offset}:{tag}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_skiptoken(token: str, query_fingerprint: str) -> int:
    """The offset in ``token``; 400 if it is garbage or belongs to another query."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _bad("Invalid $skiptoken") from None
    parts = raw.split(":")
    # int() refuses thousands of digits; no offset this service hands out has 19.
    if len(parts) != 3 or parts[0] != "v1" or not parts[1].isdigit() or len(parts[1]) > 18:
        raise _bad("Invalid $skiptoken")
    if parts[2] != hashlib.sha256(query_fingerprint.encode()).hexdigest()[:12]:
        raise _bad("$skiptoken does not belong to this query")
    return int(parts[1])
