"""Named transforms for mapping files: the only logic a mapping may use (no inline code, ever).

Each transform is a small pure function ``(value, **params) -> value`` that raises
``TransformError`` on bad input. Mapping files name them; the engine binds and checks their
parameters once, at load time, with ``compile_transform``, so a typo in a mapping fails when the
file is loaded rather than on the first record.
"""

import hashlib
import inspect
import math
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from difflib import get_close_matches
from functools import partial
from typing import Any, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNSET: Any = object()
_SHOWN_CHARS = 80


class TransformError(ValueError):
    """A value a transform cannot convert, or a transform a mapping cannot use.

    ``safe_message`` says the same without the offending value, for fields that hold personal
    data: their errors end up in dead letters and logs.
    """

    def __init__(self, message: str, *, safe_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.safe_message = safe_message if safe_message is not None else message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Transform:
    """A registered transform: the function plus what the engine must know to wire it."""

    name: str
    fn: Callable[..., Any]
    takes_list: bool = False
    check: Callable[..., None] | None = None

    def __call__(self, value: Any, **params: Any) -> Any:
        return self.fn(value, **params)


TRANSFORMS: dict[str, Transform] = {}


def register_transform(
    name: str, *, takes_list: bool = False, check: Callable[..., None] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` under ``name``; ``check(**params)`` vets parameters at load time.

    ``takes_list`` marks transforms that combine several source paths (``from: [a, b]``).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in TRANSFORMS:
            raise ValueError(f"transform {name!r} is already registered")
        TRANSFORMS[name] = Transform(name, fn, takes_list, check)
        return fn

    return decorate


def get_transform(name: str, *, where: str = "") -> Transform:
    """The transform called ``name``, or an error that suggests the near miss and lists all.

    ``where`` (e.g. " for field 'modified_at'") is placed in the message after the name.
    """
    try:
        return TRANSFORMS[name]
    except KeyError:
        pass
    known = sorted(TRANSFORMS)
    close = get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise TransformError(f"unknown transform {name!r}{where} ({hint}known: {', '.join(known)})")


def compile_transform(
    name: str, params: Mapping[str, Any] | None = None, *, where: str = ""
) -> Callable[[Any], Any]:
    """Bind ``params`` to transform ``name`` after checking names, types and values, once."""
    transform = get_transform(name, where=where)
    params = dict(params or {})
    label = f"transform {name!r}{where}"
    accepted = _parameters(transform.fn)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        allowed = ", ".join(accepted) or "none"
        raise TransformError(f"unknown parameter {unknown[0]!r} of {label} (accepted: {allowed})")
    missing = [p for p, spec in accepted.items() if spec.default is spec.empty and p not in params]
    if missing:
        raise TransformError(f"{label} needs parameter {missing[0]!r}")
    hints = get_type_hints(transform.fn)
    for key, value in params.items():
        hint = hints.get(key, Any)
        if not _accepts(value, hint):
            raise TransformError(
                f"parameter {key!r} of {label} must be {_describe(hint)}, "
                f"got {type(value).__name__} {_show(value)}"
            )
    if transform.check is not None:
        try:
            transform.check(**params)
        except TransformError as exc:
            raise TransformError(f"{label}: {exc}") from None
    return partial(transform.fn, **params)


def _parameters(fn: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """Keyword parameters after the value: what a mapping file may set."""
    found = list(inspect.signature(fn).parameters.values())[1:]
    return {p.name: p for p in found if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _accepts(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_accepts(value, arg) for arg in get_args(hint))
    if origin is not None:
        hint = origin
    if hint is type(None):
        return value is None
    if isinstance(value, bool) and hint is not bool:
        return False
    if hint is float:
        return isinstance(value, int | float)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    names = {str: "text", int: "an integer", float: "a number", bool: "true or false"}
    if get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in get_args(hint))
    origin = get_origin(hint) or hint
    if origin in (dict, Mapping):
        return "a mapping"
    if hint is type(None):
        return "null"
    return names.get(origin, getattr(origin, "__name__", str(origin)))


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."


def _fail(name: str, reason: str, value: Any, hint: str = "") -> TransformError:
    """An error quoting the value, with a twin that hides it (personal data)."""
    return TransformError(
        f"{name}: {reason} {_show(value)}{hint}", safe_message=f"{name}: {reason} <redacted>{hint}"
    )


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(name, f"expected text, got {type(value).__name__}", value)
    return value


def _text_or_int(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(name, f"expected text or an integer, got {type(value).__name__}", value)
    return str(value)


def _check_zone(zone: str | None = None, **_: Any) -> None:
    if zone is None:
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" is a folder
        raise TransformError(
            f"unknown time zone {zone!r} (use an IANA name such as 'Asia/Shanghai')"
        ) from None


# --- scalars -------------------------------------------------------------------------------


@register_transform("str")
def to_str(value: Any) -> str:
    """Text of a scalar: ids arrive as integers from some systems, as text from others."""
    if isinstance(value, bytes | bytearray | dict | list | tuple | set):
        raise _fail("str", f"expected a scalar, got {type(value).__name__}", value)
    return str(value)


_INT_TEXT = re.compile(r"[+-]?\d+")


@register_transform("int")
def to_int(value: Any) -> int:
    """An integer from an integer, an integral float or integer text; never rounds."""
    if isinstance(value, bool):
        raise _fail("int", "expected a number, got bool", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    raise _fail("int", "cannot convert", value)


@register_transform("float")
def to_float(value: Any) -> float:
    """A finite float from a number or numeric text ('nan' and 'inf' are not data)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail("float", "cannot convert", value)
    try:
        result = float(value)
    except ValueError:
        raise _fail("float", "cannot convert", value) from None
    if not math.isfinite(result):
        raise _fail("float", "not a finite number", value)
    return result


@register_transform("strip")
def strip(value: Any) -> str:
    """Text without surrounding whitespace (fixed-width fields from Yonyou and terminals)."""
    return _text("strip", value).strip()


@register_transform("lower")
def lower(value: Any) -> str:
    """Lower-case text, e.g. e-mail addresses before matching."""
    return _text("lower", value).lower()


@register_transform("upper")
def upper(value: Any) -> str:
    """Upper-case text, e.g. codes that systems compare case-sensitively."""
    return _text("upper", value).upper()


# --- dates and times -----------------------------------------------------------------------

_SF_DATE = re.compile(r"\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/")


def _from_ms(name: str, ms: int, value: Any) -> datetime:
    try:
        return _EPOCH + timedelta(milliseconds=ms)
    except OverflowError:
        raise _fail(name, "out of range", value) from None


@register_transform("sf_date")
def sf_date(value: Any) -> datetime:
    """SAP OData v2 ``/Date(ms)/`` or ``/Date(ms+0000)/`` -> aware UTC datetime.

    The milliseconds are UTC in both forms; the suffix of Edm.DateTimeOffset only says which
    offset the server displayed, so it is checked for shape and does not move the instant.
    """
    if value.__class__ is str and value.startswith("/Date(") and value.endswith(")/"):
        digits = value[6:-2]  # the common case, /Date(ms)/, without the regex
        if digits.isascii() and digits.isdigit():
            return _from_ms("sf_date", int(digits), value)
    match = _SF_DATE.fullmatch(_text("sf_date", value).strip())
    if match is None:
        raise _fail("sf_date", "cannot parse", value, " (expected /Date(ms)/ or /Date(ms+0000)/)")
    return _from_ms("sf_date", int(match.group(1)), value)


def _check_to_sf_date(offset: bool = True, **_: Any) -> None:
    if not isinstance(offset, bool):
        raise TransformError("to_sf_date: 'offset' must be true or false")


@register_transform("to_sf_date", check=_check_to_sf_date)
def to_sf_date(value: Any, *, offset: bool = True) -> str:
    """Aware datetime or ISO text -> SAP ``/Date(ms+0000)/`` (Edm.DateTimeOffset) or, with
    ``offset: false``, ``/Date(ms)/`` (Edm.DateTime). Naive input is refused: SAP would read
    it as UTC and shift a Shanghai time by eight hours."""
    moment = _parse_datetime("to_sf_date", value)
    if moment.tzinfo is None:
        raise _fail("to_sf_date", "needs a time zone, got", value)
    millis = round(moment.timestamp() * 1000)
    return f"/Date({millis}+0000)/" if offset else f"/Date({millis})/"


@register_transform("epoch_ms")
def epoch_ms(value: Any) -> datetime:
    """Milliseconds since 1970 (DingTalk responses) -> aware UTC datetime."""
    if isinstance(value, bool):
        raise _fail("epoch_ms", "cannot parse", value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return _from_ms("epoch_ms", int(value.strip()), value)
    if isinstance(value, int):
        return _from_ms("epoch_ms", value, value)
    raise _fail("epoch_ms", "cannot parse", value)


def _parse_datetime(name: str, value: Any) -> datetime:
    """ISO 8601 date and time; a bare date is refused, it would invent a midnight."""
    if isinstance(value, datetime):
        return value
    text = _text(name, value).strip()
    if len(text) <= len("YYYY-MM-DD"):
        raise _fail(name, "cannot parse", value, " (no time of day)")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _fail(name, "cannot parse", value) from None


@register_transform("naive_local", check=_check_zone)
def naive_local(value: Any, *, zone: str = "Asia/Shanghai") -> datetime:
    """Naive local time (``YYYY-MM-DD HH:MM:SS``, ZKBioTime, Yonyou) -> aware, in ``zone``.

    A value that carries its own offset is refused: the source changed its contract.
    """
    parsed = _parse_datetime("naive_local", value)
    if parsed.tzinfo is not None:
        raise _fail("naive_local", "expected a time without offset, got", value)
    return parsed.replace(tzinfo=ZoneInfo(zone))


@register_transform("to_naive_local", check=_check_zone)
def to_naive_local(value: Any, *, zone: str = "Asia/Shanghai") -> str:
    """Aware datetime or ISO text -> ``YYYY-MM-DD HH:MM:SS`` on ``zone``'s wall clock, for
    systems that store local times without an offset (Yonyou, ZKBioTime). Naive input is
    refused: the hub cannot know which clock it was read from."""
    moment = _parse_datetime("to_naive_local", value)
    if moment.tzinfo is None:
        raise _fail("to_naive_local", "needs a time zone, got", value)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


@register_transform("to_local_date", check=_check_zone)
def to_local_date(value: Any, *, zone: str = "Asia/Shanghai") -> str:
    """Aware datetime or ISO text -> ``YYYY-MM-DD``, the day it was on ``zone``'s calendar.

    Cutting an ISO text at "T" gives the day in whatever offset it was written with: an
    interview scored at 01:00 in Shanghai, held as UTC, would land on the day before."""
    moment = _parse_datetime("to_local_date", value)
    if moment.tzinfo is None:
        raise _fail("to_local_date", "needs a time zone, got", value)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


@register_transform("iso_datetime", check=_check_zone)
def iso_datetime(value: Any, *, zone: str | None = None) -> datetime:
    """ISO 8601 with offset -> aware datetime; naive values only when ``zone`` says where."""
    parsed = _parse_datetime("iso_datetime", value)
    if parsed.tzinfo is None:
        if zone is None:
            raise _fail("iso_datetime", "no offset in", value, " (set 'zone' if that is expected)")
        return parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@register_transform("iso_date")
def iso_date(value: Any) -> date:
    """``YYYY-MM-DD`` -> date; a date-time is refused rather than silently truncated."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = _text("iso_date", value).strip()
    if not _ISO_DATE.fullmatch(text):
        raise _fail("iso_date", "cannot parse", value, " (expected YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail("iso_date", "cannot parse", value) from None


# --- codes and text ------------------------------------------------------------------------


def _check_enum(map: Mapping[Any, Any], **_: Any) -> None:
    if not map:
        raise TransformError("enum needs a non-empty 'map'")
    for key in map:
        if isinstance(key, bool):
            raise TransformError(
                f"enum map key {key!r} was read by YAML as a boolean; quote it (e.g. 'yes')"
            )
        if not isinstance(key, str):
            raise TransformError(
                f"enum map key {_show(key)} must be text; quote it ('{key}'): codes compare as text"
            )


@register_transform("enum", check=_check_enum)
def enum(value: Any, *, map: Mapping[str, Any], default: Any = _UNSET) -> Any:
    """Code translation; an unknown code fails loudly unless the mapping gives a ``default``.

    Keys are text and a number is looked up as text, because one system sends ``0`` where
    another sends ``"0"``.
    """
    if isinstance(value, dict | list | tuple | set):
        raise _fail("enum", f"expected a code, got {type(value).__name__}", value)
    if value in map:
        return map[value]
    if not isinstance(value, str) and str(value) in map:
        return map[str(value)]
    if default is not _UNSET:
        return default
    allowed = ", ".join(repr(key) for key in map)
    raise _fail("enum", "unknown value", value, f"; allowed: {allowed}")


def _skip(part: Any) -> bool:
    return part is None or (isinstance(part, str) and not part.strip())


@register_transform("concat", takes_list=True)
def concat(values: Any, *, sep: str = " ") -> str | None:
    """Join several source values, skipping empty ones; ``None`` when nothing is left."""
    if not isinstance(values, list | tuple):
        raise _fail("concat", "expected a list of values, got", values)
    parts = []
    for part in values:
        if part is None or (isinstance(part, str) and not part.strip()):  # _skip, inlined
            continue
        if isinstance(part, dict | list | tuple | set | bytes):
            raise _fail("concat", f"cannot join a {type(part).__name__}", part)
        parts.append(str(part))
    return sep.join(parts) or None


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@register_transform("person_name", takes_list=True)
def person_name(values: Any) -> str | None:
    """[given, family] -> a display name in the person's own order.

    Chinese names are written family name first with no space (张 + 伟 -> 张伟); others given
    name first with a space (Emily Clarke). Systems such as SuccessFactors store the two parts
    separately and cannot say which order the person uses.
    """
    if not isinstance(values, list | tuple) or len(values) != 2:
        raise _fail("person_name", "expected [given, family], got", values)
    first, last = values
    given = None if _skip(first) else str(first).strip()
    family = None if _skip(last) else str(last).strip()
    if not given or not family:
        return given or family
    if _CJK.search(given + family):
        return family + given
    return f"{given} {family}"


@register_transform("collect", takes_list=True)
def collect(values: Any) -> list[Any]:
    """Several source fields -> one list, empty values and repeats dropped (emails, phones)."""
    if not isinstance(values, list | tuple):
        raise _fail("collect", "expected a list of values, got", values)
    out: list[Any] = []
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):  # _skip, inlined
            continue
        if value not in out:
            out.append(value)
    return out


def _check_pluck(key: str = "", **_: Any) -> None:
    if not key:
        raise TransformError("pluck needs a non-empty 'key'")


@register_transform("pluck", check=_check_pluck)
def pluck(value: Any, *, key: str) -> list[Any]:
    """One key of each object in a list -> the list of its values, empty values and repeats
    dropped: an expanded SAP to-many navigation (``recruiter.results``) -> the user ids in it.

    An item that is not an object, or has no ``key`` at all, fails: a payload that changed
    shape must not read as "nobody" (a requisition would lose its owners unnoticed).
    """
    if not isinstance(value, list | tuple):
        raise _fail("pluck", f"expected a list of objects, got {type(value).__name__}", value)
    out: list[Any] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _fail("pluck", f"item {index} is a {type(item).__name__}, not an object:", item)
        if key not in item:
            raise TransformError(
                f"pluck: item {index} has no key {key!r} (keys: {', '.join(map(str, item))})"
            )
        found = item[key]
        if found is None or (isinstance(found, str) and not found.strip()):  # _skip, inlined
            continue
        if isinstance(found, dict | list | tuple | set):
            raise _fail("pluck", f"item {index}'s {key!r} is a {type(found).__name__}:", found)
        if found not in out:
            out.append(found)
    return out


def _check_ref(system: str = "", entity: str = "", **_: Any) -> None:
    if not system or not entity:
        raise TransformError("ref needs 'system' and 'entity'")


@register_transform("ref", check=_check_ref)
def ref(value: Any, *, system: str, entity: str) -> str:
    """A remote id -> the canonical id of the record it points at (system:entity:id)."""
    return f"{system}:{entity}:{to_str(value)}"


def _check_split(sep: str = " ", **_: Any) -> None:
    if not sep:
        raise TransformError("split needs a non-empty 'sep'")


@register_transform("split", check=_check_split)
def split(value: Any, *, sep: str = " ", index: int = 0) -> str:
    """One part of a text split on ``sep`` (a negative index counts from the end)."""
    parts = _text("split", value).split(sep)
    try:
        return parts[index]
    except IndexError:
        raise _fail(
            "split", f"no part {index} (only {len(parts)}) split on {sep!r} in", value
        ) from None


# --- personal data -------------------------------------------------------------------------


def _check_mask(keep: int = 4, **_: Any) -> None:
    if keep < 0:
        raise TransformError("mask needs 'keep' >= 0")


@register_transform("mask", check=_check_mask)
def mask(value: Any, *, keep: int = 4) -> str:
    """Stars except the last ``keep`` characters; a value no longer than ``keep`` is all stars.

    Keeping a short value whole would reveal all of it.
    """
    text = _text_or_int("mask", value)
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + (text[-keep:] if keep else "")


@register_transform("hash")
def sha256_hash(value: Any, *, salt: str = "") -> str:
    """sha256 hex of ``salt`` + value: a stable pseudonym to join on without the value.

    A salt written in a mapping file is reviewable, hence not a secret: it separates
    pseudonyms between uses, it does not stop someone who can guess the inputs.
    """
    text = _text_or_int("hash", value)
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()


_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_NOISE = re.compile(r"[\s\-()\u3000]")


@register_transform("cn_mobile")
def cn_mobile(value: Any, *, prefix: str = "") -> str:
    """A Chinese mobile number as 11 digits: drops +86 / 0086 / 86, spaces, dashes, brackets.

    ``prefix`` is written before the digits for systems that want the country code
    (YonBIP: ``"+86-"``).
    """
    digits = _PHONE_NOISE.sub("", _text_or_int("cn_mobile", value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _CN_MOBILE.fullmatch(digits):
        raise _fail("cn_mobile", "not a Chinese mobile number:", value)
    return prefix + digits


# --- units ---------------------------------------------------------------------------------


@register_transform("multiply")
def multiply(value: Any, *, factor: float) -> int | float:
    """``value * factor`` for unit changes (hours -> minutes, yuan -> fen); ints stay ints."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail("multiply", "expected a number, got", value)
    number: int | float
    if not isinstance(value, str):
        number = value
    elif _INT_TEXT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        try:
            number = float(value)
        except ValueError:
            raise _fail("multiply", "cannot convert", value) from None
    if not math.isfinite(number):
        raise _fail("multiply", "not a finite number", value)
    return number * factor
