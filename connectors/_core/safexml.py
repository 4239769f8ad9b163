"""The one way hrhub parses XML it did not write: no DTDs, no entities, no network.

SAML assertions, SOAP envelopes, NC's payload strings and SAP's EDMX files all come from
outside; an XML parser with lxml's defaults would resolve external entities (XXE) and fetch
DTDs over the network. `safe_parser()` is the hardened parser; `parse()` also refuses a
document that declares a DTD or entities at all, with an error that says so, so hostile
input is never silently half-read.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

__all__ = ["MalformedXMLError", "UnsafeXMLError", "parse", "safe_parser"]

# A DOCTYPE must come before the root element, so the prolog is where to look for it.
_PROLOG_BYTES = 4096
_UNSAFE_MARKERS = (b"<!doctype", b"<!entity")


class UnsafeXMLError(ValueError):
    """The document declares a DTD or entities (XXE, entity expansion): refused."""


class MalformedXMLError(ValueError):
    """The document is not well-formed XML; the message names it, never quotes it."""


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


def parse(data: bytes | str, *, what: str, **options: Any) -> etree._Element:
    """The root element of `data`, parsed with `safe_parser(**options)`.

    UnsafeXMLError for any DOCTYPE or entity declaration (checked before parsing where the
    bytes are ASCII-compatible, and after it for every encoding); MalformedXMLError for the
    rest. `what` names the document in both ("SAP's RCMCandidate.edmx").
    """
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    if any(marker in raw[:_PROLOG_BYTES].lower() for marker in _UNSAFE_MARKERS):
        raise UnsafeXMLError(_refused(what))
    try:
        root = etree.fromstring(data, parser=safe_parser(**options))
    except etree.XMLSyntaxError as exc:
        raise MalformedXMLError(f"{what}: malformed XML: {exc.msg or exc}") from None
    except ValueError as exc:  # an unknown encoding, a str with an encoding declaration
        raise MalformedXMLError(f"{what}: malformed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXMLError(_refused(what))
    return root


def _refused(what: str) -> str:
    return f"{what}: a DOCTYPE or entity declaration is not allowed (XXE, entity expansion)"
