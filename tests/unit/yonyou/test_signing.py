"""YonBIP's getAccessToken signature, checked against an independent computation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, unquote

from connectors.yonyou.signing import raw_signature, sign, string_to_sign, verify

APP_KEY = "demo-app-key"
APP_SECRET = "Yonyou-Demo-Secret"
# Chosen so the base64 holds "+", "/" and "=": every character URL-encoding changes.
TIMESTAMP = "1700000000002"
PARAMS = {"appKey": APP_KEY, "timestamp": TIMESTAMP}
EXPECTED_RAW = "QHhlh95urFZ/++lvF5nOLmMPYnI8c4xQUBen9rgzwqo="
EXPECTED_SIGNED = "QHhlh95urFZ%2F%2B%2BlvF5nOLmMPYnI8c4xQUBen9rgzwqo%3D"


def independent(secret: str, message: str) -> str:
    """URLEncode(Base64(HmacSHA256(secret, message))), spelled out with the stdlib."""
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return quote(base64.b64encode(digest).decode(), safe="")


def test_worked_example() -> None:
    message = "appKey" + APP_KEY + "timestamp" + TIMESTAMP
    assert string_to_sign(PARAMS) == message
    assert independent(APP_SECRET, message) == EXPECTED_SIGNED
    assert sign(APP_SECRET, PARAMS) == EXPECTED_SIGNED
    assert raw_signature(APP_SECRET, PARAMS) == EXPECTED_RAW
    assert unquote(EXPECTED_SIGNED) == EXPECTED_RAW


def test_params_are_sorted_by_name_and_signature_is_left_out() -> None:
    params = {"timestamp": "1", "zeta": "z", "appKey": "k", "Alpha": "A", "signature": "x"}
    # Code-point order, as Java's TreeMap sorts: upper case before lower case.
    assert string_to_sign(params) == "AlphaAappKeyktimestamp1zetaz"
    assert sign(APP_SECRET, params) == independent(APP_SECRET, "AlphaAappKeyktimestamp1zetaz")
    reordered = dict(reversed(list(params.items())))
    assert sign(APP_SECRET, reordered) == sign(APP_SECRET, params)
    assert sign(APP_SECRET, {**params, "signature": "other"}) == sign(APP_SECRET, params)


def test_verify_takes_the_signature_as_the_server_received_it() -> None:
    # After the query string's one URL-decoding the server holds the raw base64.
    assert verify(APP_SECRET, {**PARAMS, "signature": EXPECTED_RAW}, EXPECTED_RAW)
    assert verify(APP_SECRET, PARAMS, unquote(sign(APP_SECRET, PARAMS)))


def test_verify_rejects_tampering_and_double_encoding() -> None:
    assert not verify(APP_SECRET, {**PARAMS, "timestamp": "1700000000003"}, EXPECTED_RAW)
    assert not verify(APP_SECRET, {**PARAMS, "appKey": "other"}, EXPECTED_RAW)
    assert not verify("Wrong-Secret", PARAMS, EXPECTED_RAW)
    assert not verify(APP_SECRET, PARAMS, "R" + EXPECTED_RAW[1:])
    # A client that encoded twice: the server, decoding once, still sees "%2F...".
    assert not verify(APP_SECRET, PARAMS, EXPECTED_SIGNED)
    assert not verify(APP_SECRET, PARAMS, "")
    assert not verify(APP_SECRET, PARAMS, None)
