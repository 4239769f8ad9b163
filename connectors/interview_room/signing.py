"""The completion webhook's signature: one implementation for the room that signs and the hub
that checks.

The signed text is `<timestamp>.<body>`, not the body alone: with the timestamp inside the
HMAC, a captured delivery cannot be replayed later under a fresh `X-Room-Timestamp`, so the
receiver's replay window means something.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "SIGNATURE_PREFIX", "TIMESTAMP_HEADER", "webhook_signature"]

SIGNATURE_HEADER = "X-Room-Signature"
TIMESTAMP_HEADER = "X-Room-Timestamp"
SIGNATURE_PREFIX = "sha256="


def webhook_signature(secret: str, timestamp: str | int, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>." + body>` under the webhook's secret."""
    signed = f"{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest
