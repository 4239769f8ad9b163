"""zeep plugins of the NC client: a SOAP conversation log that is safe to switch on.

Debugging an NC integration means reading the envelopes, but those carry the WS-Security
password and, inside the payload strings, the very personal data (names, id numbers,
mobiles) that must not land in a log file. `RedactingLogPlugin` logs a redacted copy of each
envelope on the `connectors.yonyou.soap` logger at DEBUG and never touches the real one.
When DEBUG is off it returns at once: no copy, no parsing.

zeep applies WS-Security after the plugins have run, so the logged request normally has no
token at all; the password is masked anyway, for envelopes whose headers were set otherwise.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from lxml import etree
from zeep import Plugin

from connectors._core.redaction import MASK, REDACTOR, Redactor
from connectors.yonyou import ncxml
from connectors.yonyou.ncxml import WSSE

__all__ = ["PERSONAL_FIELDS", "SOAP_LOGGER", "RedactingLogPlugin", "mask_value"]

SOAP_LOGGER = "connectors.yonyou.soap"
PERSONAL_FIELDS = frozenset({"name", "id", "mobile", "email", "birthdate"})

log = logging.getLogger(SOAP_LOGGER)


def mask_value(field: str, value: str) -> str:
    """A masked personal value that still helps a reader tell records apart.

    name "张三丰" -> "张**"; mobile "13812345000" -> "1381****000"; id number
    "110101199003071234" -> "1101************34"; email "li@x.cn" -> "l***@x.cn";
    birthdate -> "****-**-**".
    """
    value = value.strip()
    if not value:
        return value
    if field == "name":
        return value[0] + "*" * (len(value) - 1)
    if field == "email":
        local, at, domain = value.partition("@")
        return f"{local[:1]}***{at}{domain}"
    if field == "birthdate":
        return "".join("*" if c.isdigit() else c for c in value)
    if field == "mobile" and len(value) >= 8:
        return value[:4] + "*" * (len(value) - 7) + value[-3:]
    if field == "id" and len(value) >= 8:
        return value[:4] + "*" * (len(value) - 6) + value[-2:]
    return "*" * len(value)


class RedactingLogPlugin(Plugin):
    """Logs sent and received envelopes at DEBUG, password and personal fields masked."""

    def __init__(self, logger: logging.Logger | None = None, redactor: Redactor | None = None):
        self.logger = logger or log
        self.redactor = redactor or REDACTOR

    def egress(
        self,
        envelope: etree._Element,
        http_headers: dict[str, str],
        operation: Any,
        binding_options: Any,
    ) -> tuple[etree._Element, dict[str, str]]:
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("NC %s sent:\n%s", _name(operation), self.render(envelope))
        return envelope, http_headers

    def ingress(
        self, envelope: etree._Element, http_headers: Any, operation: Any
    ) -> tuple[etree._Element, Any]:
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug("NC %s received:\n%s", _name(operation), self.render(envelope))
        return envelope, http_headers

    def render(self, envelope: etree._Element) -> str:
        """The redacted text of a copy of `envelope`."""
        shadow = copy.deepcopy(envelope)
        for password in shadow.iter(f"{{{WSSE}}}Password"):
            password.text = MASK
        for node in shadow.iter():
            if isinstance(node.tag, str) and node.text and node.text.lstrip().startswith("<"):
                # CDATA keeps the payload readable; lxml escapes ">" in what it serialises,
                # so the redacted text cannot contain "]]>".
                node.text = etree.CDATA(_redact_payload(node.text))
        return self.redactor.redact_text(etree.tostring(shadow, encoding="unicode"))


def _redact_payload(text: str) -> str:
    """A payload string with its personal fields masked; unreadable payloads are not shown."""
    try:
        root = ncxml.parse(text, what="logged payload")
    except ValueError as exc:
        return f"[payload of {len(text)} characters not shown: {exc}]"
    for node in root.iter():
        name = ncxml.local(node.tag)
        if name in PERSONAL_FIELDS and len(node) == 0 and node.text:
            node.text = mask_value(name, node.text)
    return etree.tostring(root, encoding="unicode")


def _name(operation: Any) -> str:
    return str(getattr(operation, "name", operation))
