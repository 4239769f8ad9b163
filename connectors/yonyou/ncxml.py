"""NC's inner XML documents: parsed safely, built the same way by the simulator and the client.

NC services pass XML documents as strings inside the SOAP envelope (`<string>` in, `<return>`
out), so every document is parsed twice: once as the envelope, once as the payload. Both
come from the network, so both go through `parse()`, which never reads a DTD, never resolves
an entity, never touches the network and refuses any DOCTYPE outright (XXE, billion laughs).

A payload string often starts with `<?xml version="1.0" encoding="GBK"?>` although it is
already text: NC serialises the document first and wraps the bytes' text afterwards. lxml
refuses a `str` with an encoding declaration, so `parse()` drops the declaration of a `str`
and honours it for `bytes`.

Documents (hrhub's reading; the dossier has no NC HR WSDL):
- query: `<query><ts/><pageindex/><pagesize/></query>`, or `<query><id/><mobile/></query>`;
- result: `<result><code/><message/><total/><pageindex/><pagesize/><rows>...</rows></result>`;
- NC's exchange-platform envelope `<ufinterface roottag billtype sender replace><bill id>
  <billhead>fields</billhead></bill>...</ufinterface>`, answered by `<ufinterface
  roottag="sendresult" successful="Y|N"><sendresult>...</sendresult>...</ufinterface>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from connectors._core.safexml import safe_parser

__all__ = [
    "NC_SERVICE",
    "SOAPENV",
    "TNS",
    "WSDL_DIR",
    "WSSE",
    "MalformedXML",
    "NcResultError",
    "UnsafeXML",
    "child",
    "condition",
    "declaration",
    "fields",
    "local",
    "parse",
    "query",
    "result",
    "rows",
    "sendresult",
    "sendresults",
    "text_of",
    "ufinterface",
]

# The wire both sides share: the service, its namespaces, the bundled WSDL's folder.
NC_SERVICE = "nc.itf.hrhub.IHrhubRecruitService"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
TNS = "http://hrhub.itf.nc/IHrhubRecruitService"
WSDL_DIR = Path(__file__).with_name("wsdl")

_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>", re.IGNORECASE)
_UNSAFE_MARKERS = (b"<!doctype", b"<!entity")


class UnsafeXML(ValueError):
    """The document carries a DOCTYPE or entity declarations; it is refused unread."""


class MalformedXML(ValueError):
    """The document is not well-formed XML. `detail` is the parser's own message."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


class NcResultError(ValueError):
    """A `<result>` whose `<code>` is not 0: NC refused the query."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"NC answered code {code}: {message}")
        self.code = code
        self.message = message


def _parser() -> etree.XMLParser:
    # A parser per call: lxml parsers are not thread-safe, and both faces serve many threads.
    return safe_parser(remove_comments=True, remove_pis=True)


def parse(text: str | bytes, *, what: str) -> etree._Element:
    """The root element of `text`; UnsafeXML for a DOCTYPE, MalformedXML otherwise.

    `what` names the document in error messages ("request XML", "savePsndoc return"). The
    messages never quote the document: it may hold personal data or a file's contents.
    """
    if isinstance(text, str):
        data: str | bytes = _DECLARATION.sub("", text, count=1)
        probe = data[:4096].lower().encode("utf-8", "replace")
    else:
        data = text
        probe = data[:4096].lower()
    # Cheap refusal before parsing (ASCII-compatible encodings), and after it for the rest.
    if any(marker in probe for marker in _UNSAFE_MARKERS):
        raise UnsafeXML(f"{what}: DOCTYPE is not allowed")
    if not (data.strip() if isinstance(data, str) else data.strip(b" \t\r\n\x00")):
        raise MalformedXML(f"{what}: malformed XML: the document is empty", "empty document")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        detail = str(exc.msg or exc)
        raise MalformedXML(f"{what}: malformed XML: {detail}", detail) from None
    except ValueError as exc:  # lxml: unknown encoding name in the declaration, say
        raise MalformedXML(f"{what}: malformed XML: {exc}", str(exc)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXML(f"{what}: DOCTYPE is not allowed")
    return root


def local(tag: Any) -> str:
    """The local name of an element's tag ("" for comments and processing instructions)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def text_of(element: etree._Element | None) -> str | None:
    """An element's text; None for an absent or empty element (NC's way to say null)."""
    if element is None or not element.text:
        return None
    return element.text


def fields(element: etree._Element | None) -> dict[str, str | None]:
    """A flat element's children as {local name: text or None}, in document order."""
    if element is None:
        return {}
    out: dict[str, str | None] = {}
    for node in element:
        name = local(node.tag)
        if name:
            out[name] = node.text or None
    return out


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child with local name `name` (namespaced or not)."""
    return next((c for c in element if local(c.tag) == name), None)


def declaration(encoding: str) -> str:
    """The declaration NC puts in front of its payload strings."""
    return f'<?xml version="1.0" encoding="{encoding}"?>'


def _leaf(parent: etree._Element, name: str, value: Any) -> etree._Element:
    node = etree.SubElement(parent, name)
    if value is not None and value != "":
        node.text = str(value)
    return node


def _text(root: etree._Element) -> str:
    return etree.tostring(root, encoding="unicode")


# -- requests ----------------------------------------------------------------------------------


def query(ts: str | None, pageindex: int, pagesize: int) -> str:
    """A ts query: rows with ts >= `ts` (None or "" = all), page `pageindex` (from 1)."""
    root = etree.Element("query")
    _leaf(root, "ts", ts)
    _leaf(root, "pageindex", int(pageindex))
    _leaf(root, "pagesize", int(pagesize))
    return _text(root)


def condition(id: str | None = None, mobile: str | None = None) -> str:
    """A lookup of one person by id number, else by mobile."""
    root = etree.Element("query")
    _leaf(root, "id", id)
    _leaf(root, "mobile", mobile)
    return _text(root)


def ufinterface(
    roottag: str,
    billtype: str,
    bills: Sequence[tuple[str, Mapping[str, Any]]],
    replace: bool = True,
    *,
    sender: str = "hrhub",
) -> str:
    """NC's exchange envelope: one `<bill id>` with a `<billhead>` per (bill id, fields).

    None values are left out; everything else is sent as text.
    """
    root = etree.Element(
        "ufinterface",
        roottag=roottag,
        billtype=billtype,
        sender=sender,
        replace="Y" if replace else "N",
    )
    for bill_id, values in bills:
        bill = etree.SubElement(root, "bill", id=str(bill_id))
        head = etree.SubElement(bill, "billhead")
        for name, value in values.items():
            if value is not None:
                _leaf(head, name, value)
    return _text(root)


# -- answers -----------------------------------------------------------------------------------


def result(
    row_tag: str,
    records: Iterable[Mapping[str, Any]],
    *,
    total: int,
    pageindex: int,
    pagesize: int,
    encoding: str = "UTF-8",
    code: int = 0,
    message: str = "ok",
) -> str:
    """A query's answer string, declaration included (as NC sends it)."""
    root = etree.Element("result")
    _leaf(root, "code", code)
    _leaf(root, "message", message)
    _leaf(root, "total", total)
    _leaf(root, "pageindex", pageindex)
    _leaf(root, "pagesize", pagesize)
    container = etree.SubElement(root, "rows")
    for record in records:
        row = etree.SubElement(container, row_tag)
        for name, value in record.items():
            _leaf(row, name, value)
    return declaration(encoding) + _text(root)


def rows(result_xml: str | bytes | etree._Element) -> tuple[int, list[dict[str, str | None]]]:
    """(total, rows) of a query answer; each row is {element name: text or None}.

    NcResultError when `<code>` is not 0; MalformedXML when the shape is not a result.
    """
    root = (
        result_xml
        if isinstance(result_xml, etree._Element)
        else parse(result_xml, what="query result")
    )
    if local(root.tag) != "result":
        raise MalformedXML(f"query result: root is <{local(root.tag)}>, expected <result>")
    head = fields(root)
    code = (head.get("code") or "").strip()
    if code != "0":
        raise NcResultError(code or "(none)", head.get("message") or "")
    try:
        total = int(head.get("total") or "")
    except ValueError:
        raise MalformedXML("query result: <total> is not a whole number") from None
    container = child(root, "rows")
    found = [] if container is None else [fields(r) for r in container if local(r.tag)]
    return total, found


def sendresult(
    billtype: str,
    results: Sequence[Mapping[str, Any]],
    *,
    encoding: str = "UTF-8",
    sender: str = "hrhub",
) -> str:
    """The answer to a ufinterface: one `<sendresult>` per bill, in order.

    Each result holds bdocid, resultcode, resultdescription and content; `successful` is Y
    only when every resultcode is 1.
    """
    ok = all(int(r["resultcode"]) == 1 for r in results)
    root = etree.Element(
        "ufinterface",
        roottag="sendresult",
        billtype=billtype,
        receiver=sender,
        replace="Y",
        successful="Y" if ok else "N",
    )
    for item in results:
        node = etree.SubElement(root, "sendresult")
        _leaf(node, "billpk", item.get("billpk"))
        _leaf(node, "bdocid", item.get("bdocid"))
        _leaf(node, "filename", item.get("filename"))
        _leaf(node, "resultcode", item["resultcode"])
        _leaf(node, "resultdescription", item.get("resultdescription"))
        _leaf(node, "content", item.get("content"))
    return declaration(encoding) + _text(root)


def sendresults(xml: str | bytes | etree._Element) -> list[dict[str, Any]]:
    """The per-bill results of a ufinterface answer, in order.

    Each: {"bdocid", "resultcode" (int), "resultdescription", "content"}; MalformedXML when
    the answer is not a sendresult or a resultcode is not a number.
    """
    root = xml if isinstance(xml, etree._Element) else parse(xml, what="sendresult")
    if local(root.tag) != "ufinterface":
        raise MalformedXML(f"sendresult: root is <{local(root.tag)}>, expected <ufinterface>")
    out = []
    for node in root:
        if local(node.tag) != "sendresult":
            continue
        values = fields(node)
        try:
            code = int((values.get("resultcode") or "").strip())
        except ValueError:
            raise MalformedXML("sendresult: <resultcode> is not a number") from None
        out.append(
            {
                "bdocid": values.get("bdocid"),
                "resultcode": code,
                "resultdescription": values.get("resultdescription"),
                "content": values.get("content"),
            }
        )
    return out
