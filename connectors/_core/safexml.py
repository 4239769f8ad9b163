"""The one way connectors parse XML they did not write: no DTDs, no entities, no network.

SAML assertions, SOAP envelopes and NC's payload strings all come from outside; an XML parser
with lxml's defaults would resolve external entities (XXE) and fetch DTDs over the network.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

__all__ = ["safe_parser"]


def safe_parser(**options: Any) -> etree.XMLParser:
    """A fresh hardened parser (lxml parsers are not thread-safe: one per parse);
    `options` add lxml settings such as `remove_comments`, never loosen the hardening."""
    hardened = {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
    }
    clash = {k for k in options if k in hardened and options[k] != hardened[k]}
    if clash:
        raise ValueError(f"safe_parser cannot loosen {', '.join(sorted(clash))}")
    return etree.XMLParser(**{**options, **hardened})
