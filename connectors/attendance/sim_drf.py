"""Django REST Framework behaviour the ZKBioTime simulator shares across its modules.

Request bodies (JSON or form), DRF field checks and messages, django-filter date-time
filters, ordering, and page-number links: what personnel, iclock and the attendance module
(sim_att.py) all answer the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from connectors._core.simulator import Abort, Request, Response

TIME_FMT = "%Y-%m-%d %H:%M:%S"
DATE_FMT = "%Y-%m-%d"
PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000

BAD_CHOICE = "Select a valid choice. That choice is not one of the available choices."
ORDER_FIELDS = {"id", "punch_time", "upload_time"}
FILTER_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def unauthorized(detail: str) -> Response:
    return Response(401, {"detail": detail}, headers={"WWW-Authenticate": 'JWT realm="api"'})


def invalid(message: str) -> Response:
    return Response(400, {"non_field_errors": [message]})


def request_data(req: Request) -> dict[str, Any]:
    """The body as DRF parses it: JSON or a urlencoded form; it must be an object."""
    content_type = (req.header("content-type") or "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[-1] for k, v in form.items()}
    data = req.json()
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise Abort(invalid(f"Invalid data. Expected a dictionary, but got {kind}."))
    return data


def char_field(value: Any, max_length: int, blank: bool) -> tuple[str, str | None]:
    """A DRF CharField: numbers become strings, other types and blanks are errors."""
    if value is None:
        return "", None if blank else "This field may not be null."
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return "", "Not a valid string."
    text = str(value).strip()
    if not text and not blank:
        return "", "This field may not be blank."
    if len(text) > max_length:
        return "", f"Ensure this field has no more than {max_length} characters."
    return text, None


def is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.strptime(value, DATE_FMT)
    except ValueError:
        return False
    return True


def parse_filter_time(name: str, value: str | None) -> str | None:
    """A django-filter DateTimeFilter value, normalised to the stored text form."""
    if not value:
        return None
    for fmt in FILTER_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).strftime(TIME_FMT)
        except ValueError:
            continue
    raise Abort(Response(400, {name: ["Enter a valid date/time."]}))


def ordering(value: str | None) -> list[str]:
    terms = [t.strip() for t in (value or "").split(",") if t.strip()]
    return [t for t in terms if t.lstrip("-") in ORDER_FIELDS]


def page_size(value: str | None) -> int:
    """DRF: a positive integer capped at the maximum; anything else means the default."""
    try:
        size = int(value) if value is not None else PAGE_SIZE
    except ValueError:
        return PAGE_SIZE
    return min(size, MAX_PAGE_SIZE) if size > 0 else PAGE_SIZE


def page_link(req: Request, page: int) -> str:
    """The absolute URL of another page, keeping every other query parameter (DRF drops
    `page` for page 1)."""
    pairs = [(k, v) for k, values in req.query.items() if k != "page" for v in values]
    if page > 1:
        pairs.append(("page", str(page)))
    query = urlencode(pairs)
    return f"{req.base_url}{quote(req.path)}" + (f"?{query}" if query else "")
