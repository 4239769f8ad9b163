"""What the fuzz tests share: their settings and strategies for data from outside."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

# Registered by this folder's conftest from HYPOTHESIS_PROFILE ("ci" or "long").
PROFILE = "hrhub-fuzz"


def fuzz(share: float = 1.0, **changes: Any) -> settings:
    """The fuzz profile with `share` of its example count (cheap targets get more, costly
    ones fewer), plus any other change a test needs."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=max(10, int(base.max_examples * share)), **changes)


# Scalars a JSON decoder can produce, with the edges parsers trip on: huge integers (beyond
# int64 and Python's 4300-digit str limit is out of reach of JSON, so not here), non-ASCII and
# control characters, digit-like characters that str.isdigit() accepts ("²", "٣").
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "0", "-1", "²", "٣", "1e400", "NaN", "null", "true", "\x00", "é"])
)

JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def json_objects(
    keys: list[str], values: st.SearchStrategy[Any] = JSON_VALUES
) -> st.SearchStrategy:
    """Objects whose keys are mostly the ones a parser looks for, with random values."""
    key = st.sampled_from(keys) | st.text(max_size=8)
    return st.dictionaries(key, values, max_size=len(keys) + 2)
