"""Signed, expiring interview links: the hub's name for `connectors._core.links`.

The implementation lives in connectors/_core so the interview room's simulator verifies links
with exactly the code the hub signs them with; see that module for the format and the reasons.
"""

from __future__ import annotations

from connectors._core.links import (
    LinkError,
    LinkExpired,
    LinkForged,
    LinkNotYours,
    link_token,
    sign_link,
    sign_token,
    verify_link,
)

__all__ = [
    "LinkError",
    "LinkExpired",
    "LinkForged",
    "LinkNotYours",
    "link_token",
    "sign_link",
    "sign_token",
    "verify_link",
]
