"""YonBIP's request signature for `selfAppAuth/getAccessToken`, shared by simulator and client.

The OpenAPI docs (hr-system-apis.md §3.3) define it as

    signature = URLEncode(Base64(HmacSHA256(key=appSecret, message=params)))

where `params` are the request's query parameters except `signature` itself, sorted by name
and concatenated as name + value with no separators ("appKey<key>timestamp<ms>").

Encoding happens exactly once on the wire. Yonyou's Java demo URL-encodes the base64 text and
appends it to the query string by hand, so the server, after its one URL-decoding of the query,
sees the raw base64. A client that passes `sign()`'s (already encoded) result to `requests` as
a parameter would have it encoded a second time ("%2B" -> "%252B") and be refused. hrhub's
client passes `raw_signature()` through `params` and lets `requests` do the one encoding;
`verify()` takes the value the server received (already decoded once) and compares it strictly,
so the simulator catches a double encoding instead of forgiving it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

__all__ = ["raw_signature", "sign", "string_to_sign", "verify"]

SIGNATURE_PARAM = "signature"


def string_to_sign(params: Mapping[str, Any]) -> str:
    """The message: every parameter but `signature`, sorted by name, as name + value."""
    return "".join(
        f"{name}{'' if params[name] is None else params[name]}"
        for name in sorted(params)
        if name != SIGNATURE_PARAM
    )


def raw_signature(app_secret: str, params: Mapping[str, Any]) -> str:
    """Base64(HmacSHA256(appSecret, string_to_sign(params))), not yet URL-encoded."""
    digest = hmac.new(
        app_secret.encode("utf-8"), string_to_sign(params).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(app_secret: str, params: Mapping[str, Any]) -> str:
    """The signature as the docs define it: the base64 URL-encoded ("+" -> "%2B", "/" -> "%2F",
    "=" -> "%3D"), ready to append to a hand-built query string. Do not hand this to `requests`
    as a parameter: it would be encoded twice."""
    return quote(raw_signature(app_secret, params), safe="")


def verify(app_secret: str, params: Mapping[str, Any], signature: str | None) -> bool:
    """True if `signature` (as the server sees it after decoding the query once: the raw
    base64) is the one `app_secret` gives for `params`. Constant-time; strict, so a signature
    that arrives still URL-encoded (encoded twice by the client) does not match."""
    if not signature:
        return False
    expected = raw_signature(app_secret, params)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8"))
