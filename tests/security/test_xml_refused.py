"""Issue 12, Security: "XML with external entities is refused".

Every place hrhub or a connector parses XML from outside refuses a document that declares a
DTD or entities (external entities over file: and http:, external DTDs, parameter entities,
billion laughs, quadratic blow-up, in UTF-16 and behind a long prolog) with its own clear
error naming the DOCTYPE/DTD, never a crash, never a file read, never a network fetch. A
static check finds every XML parse in the code, so a new parser cannot slip in unnoticed:
each one must use the hardened parser (or zeep with `nc_client.SETTINGS`) and be listed in
`PARSE_SITES`, which the runtime matrix below covers.

Per-module details live with their modules (tests/unit/core/test_safexml.py,
tests/unit/yonyou/test_ncxml.py, tests/integration/yonyou/test_nc_client.py).
"""

from __future__ import annotations

import ast
import base64
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from connectors._core import safexml
from connectors._core.errors import ConfigError, DataContractError
from connectors.successfactors import saml
from connectors.yonyou import ncxml
from connectors.yonyou.nc_client import SETTINGS, NcSoapClient
from connectors.yonyou.simulator import SANDBOX_APP_KEY, SANDBOX_APP_SECRET, YonyouSimulator
from hrhub.mapping.contracts import ContractError, Contracts, edmx_schema, wsdl_operations

from .conftest import SECRET_TEXT, Trap
from .source_scan import Call, aliases, all_calls, calls_in, dotted, modules

# --- the hostile documents --------------------------------------------------------------------


def hostile_documents(trap_url: str, secret: Path) -> dict[str, bytes]:
    """Each kind of DTD abuse, as the bytes that arrive from outside."""
    xxe = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'
    laughs = '<!DOCTYPE r [<!ENTITY l0 "lol">'
    laughs += "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    laughs += "]><r>&l9;</r>"
    blowup = '<!DOCTYPE r [<!ENTITY a "' + "a" * 2000 + '">]><r>' + "&a;" * 2000 + "</r>"
    return {
        "external entity, file": xxe.encode(),
        "external entity, http": (
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "{trap_url}/entity">]><r>&x;</r>'.encode()
        ),
        "external DTD": f'<!DOCTYPE r SYSTEM "{trap_url}/evil.dtd"><r>&leak;</r>'.encode(),
        "parameter entity": (
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{trap_url}/p.dtd"> %p;]><r>&leak;</r>'.encode()
        ),
        "billion laughs": laughs.encode(),
        "quadratic blow-up": blowup.encode(),
        "internal DTD": b"<!DOCTYPE r [<!ELEMENT r ANY>]><r/>",
        "bare DOCTYPE": b"<!DOCTYPE r><r/>",
        "UTF-16": ('<?xml version="1.0" encoding="UTF-16"?>' + xxe).encode("utf-16"),
        "after a long prolog": ("<?xml version='1.0'?><!--" + " " * 5000 + "-->" + xxe).encode(),
    }


KINDS = list(hostile_documents("http://x", Path("/x")))


# zeep refuses a DOCTYPE itself; libxml2 stops an entity bomb before zeep sees the tree.
ZEEP_REFUSALS = ("DTDForbidden", "entity amplification")


@dataclass
class Refusal:
    """What an entry point raised for a hostile document."""

    error: BaseException
    needles: tuple[str, ...]  # words that name what was refused (any one of them)


# --- the entry points -------------------------------------------------------------------------


def _safexml(doc: bytes, _env: dict[str, Any]) -> Refusal:
    with pytest.raises(safexml.UnsafeXMLError) as caught:
        safexml.parse(doc, what="a document from outside")
    return Refusal(caught.value, ("DOCTYPE or entity declaration is not allowed",))


def _ncxml(doc: bytes, _env: dict[str, Any]) -> Refusal:
    with pytest.raises(ncxml.UnsafeXML) as caught:
        ncxml.parse(doc, what="queryPsndocByTs return")
    return Refusal(caught.value, ("DOCTYPE is not allowed",))


def _saml(doc: bytes, _env: dict[str, Any]) -> Refusal:
    _key, certificate = saml.generate_test_keypair()
    with pytest.raises(saml.SamlError) as caught:
        saml.verify_assertion(
            base64.b64encode(doc).decode(),
            certificate_pem=certificate,
            client_id="hrhub",
            token_url="https://api.example.com/oauth/token",
        )
    assert caught.value.code == "invalid_assertion"
    return Refusal(caught.value, ("DTDs",))


def _edmx(doc: bytes, env: dict[str, Any]) -> Refusal:
    path = env["tmp"] / "RCMCandidate.edmx"
    path.write_bytes(doc)
    with pytest.raises(safexml.UnsafeXMLError) as caught:
        edmx_schema(path, "Candidate", writing=False)
    return Refusal(caught.value, ("DOCTYPE or entity declaration is not allowed",))


def _mapping_contract(doc: bytes, env: dict[str, Any]) -> Refusal:
    (env["tmp"] / "RCMCandidate.edmx").write_bytes(doc)
    with pytest.raises(ContractError) as caught:
        Contracts(sap_dir=env["tmp"]).contract_for("successfactors", "candidate", "in")
    assert "RCMCandidate.edmx" in str(caught.value)
    return Refusal(caught.value, ("DOCTYPE or entity declaration is not allowed",))


def _contract_wsdl(doc: bytes, env: dict[str, Any]) -> Refusal:
    path = env["tmp"] / "service.wsdl"
    path.write_bytes(doc)
    with pytest.raises(safexml.UnsafeXMLError) as caught:
        wsdl_operations(path)
    return Refusal(caught.value, ("DOCTYPE or entity declaration is not allowed",))


def _nc_wsdl_file(doc: bytes, env: dict[str, Any]) -> Refusal:
    path = env["tmp"] / "nc.wsdl"
    path.write_bytes(doc)
    with pytest.raises(ConfigError) as caught:
        NcSoapClient(
            "http://127.0.0.1:9",
            username="u",
            password="p",
            wsdl=str(path),
            cache_dir=env["tmp"] / "cache",
        )
    return Refusal(caught.value, ZEEP_REFUSALS)


def _nc_soap_answer(doc: bytes, env: dict[str, Any]) -> Refusal:
    server, client = env["nc"]
    server.nc_next_envelope = doc
    with pytest.raises(DataContractError) as caught:
        client.check()
    return Refusal(caught.value, ZEEP_REFUSALS)


ENTRY_POINTS: dict[str, Callable[[bytes, dict[str, Any]], Refusal]] = {
    "safexml.parse": _safexml,
    "ncxml.parse (NC payloads, SOAP faults, the SOAP log)": _ncxml,
    "saml.verify_assertion (the token endpoint)": _saml,
    "contracts.edmx_schema (SAP's EDMX)": _edmx,
    "Contracts.contract_for (mapping check)": _mapping_contract,
    "contracts.wsdl_operations (NC's WSDL)": _contract_wsdl,
    "NcSoapClient, a WSDL file (zeep)": _nc_wsdl_file,
    "NcSoapClient, a SOAP answer (zeep)": _nc_soap_answer,
}


@pytest.fixture(scope="module")
def nc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[YonyouSimulator, Any]]:
    server = YonyouSimulator()
    server.start()
    client = NcSoapClient(
        server.url,
        username=SANDBOX_APP_KEY,
        password=SANDBOX_APP_SECRET,
        timeout=(2.0, 5.0),
        operation_timeout=5.0,
        cache_dir=tmp_path_factory.mktemp("zeep"),
    )
    yield server, client
    client.close()
    server.stop()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_every_entry_point_refuses_every_dtd_abuse_by_name(
    entry: str,
    kind: str,
    trap: Trap,
    secret_file: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    env: dict[str, Any] = {"tmp": tmp_path}
    if "SOAP answer" in entry:
        env["nc"] = request.getfixturevalue("nc")
    doc = hostile_documents(trap.url, secret_file)[kind]
    refusal = ENTRY_POINTS[entry](doc, env)
    assert any(n in str(refusal.error) for n in refusal.needles), str(refusal.error)
    assert SECRET_TEXT not in str(refusal.error)
    assert trap.seen == [], f"{entry} fetched {trap.seen} for {kind}"


@pytest.mark.parametrize("parse", [safexml.parse, ncxml.parse], ids=["safexml", "ncxml"])
def test_schema_locations_and_xincludes_are_never_followed(
    parse: Callable[..., etree._Element], trap: Trap, secret_file: Path
) -> None:
    """No DTD, so parsed; but what points elsewhere is never fetched nor read."""
    doc = (
        '<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'xsi:schemaLocation="urn:x {trap.url}/schema.xsd">'
        f'<xi:include href="file://{secret_file}" parse="text"/>'
        f'<xi:include href="{trap.url}/included.xml"/></r>'
    ).encode()
    root = parse(doc, what="a document from outside")
    assert SECRET_TEXT not in etree.tostring(root, encoding="unicode")
    assert trap.seen == []


@pytest.mark.parametrize(
    "doc",
    [b"", b"<r>", b"not xml", '<?xml version="1.0" encoding="UTF-8"?><r/>', b"<?xml x?><r/>"],
)
def test_broken_xml_is_a_clear_error_too(doc: bytes | str) -> None:
    with pytest.raises(safexml.MalformedXMLError) as caught:
        safexml.parse(doc, what="SAP's Demo.edmx")
    assert str(caught.value).startswith("SAP's Demo.edmx: malformed XML")


def test_a_remote_wsdl_cannot_make_zeep_fetch_what_it_imports(trap: Trap, tmp_path: Path) -> None:
    """A WSDL from the server may not pull further schemas: zeep's forbid_external."""
    trap.pages["/service.wsdl"] = (
        '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:hrhub">'
        '<types><xsd:schema targetNamespace="urn:hrhub">'
        f'<xsd:import namespace="urn:evil" schemaLocation="{trap.url}/evil.xsd"/>'
        "</xsd:schema></types></definitions>"
    ).encode()
    with pytest.raises(ConfigError, match="ExternalReferenceForbidden"):
        NcSoapClient(
            trap.url,
            username="u",
            password="p",
            wsdl=f"{trap.url}/service.wsdl",
            cache_dir=tmp_path / "cache",
        )
    assert trap.seen == ["/service.wsdl"]


def test_zeep_is_configured_to_refuse_dtds_entities_and_external_fetches() -> None:
    assert (
        SETTINGS.forbid_dtd,
        SETTINGS.forbid_entities,
        SETTINGS.forbid_external,
        SETTINGS.xml_huge_tree,
        SETTINGS.strict,
    ) == (True, True, True, False, True)


def test_every_parse_site_is_covered_by_the_matrix() -> None:
    """An entry point above for each site, or the reason it needs none."""
    assert set(parse_sites()) == set(PARSE_SITES) | set(EXEMPT)
    covered = {entry for entries in PARSE_SITES.values() for entry in entries}
    assert covered == set(ENTRY_POINTS)


# --- the static check ---------------------------------------------------------------------------

SAFEXML = "connectors/_core/safexml.py"
SAFE_PARSER = "connectors._core.safexml.safe_parser"
ZEEP_SETTINGS = "connectors.yonyou.nc_client.SETTINGS"
NC_CLIENT = "connectors/yonyou/nc_client.py"

# Every place the code parses XML from outside, and the entry points above that cover it.
PARSE_SITES = {
    "connectors/_core/safexml.py::parse": ("safexml.parse",),
    "connectors/successfactors/saml.py::_parse": ("saml.verify_assertion (the token endpoint)",),
    "connectors/yonyou/ncxml.py::parse": ("ncxml.parse (NC payloads, SOAP faults, the SOAP log)",),
    "connectors/yonyou/nc_client.py::load_wsdl": ("NcSoapClient, a WSDL file (zeep)",),
    "connectors/yonyou/nc_client.py::NcSoapClient.__init__": (
        "NcSoapClient, a SOAP answer (zeep)",
    ),
    "hrhub/mapping/contracts.py::_parse_xml": (
        "contracts.edmx_schema (SAP's EDMX)",
        "Contracts.contract_for (mapping check)",
        "contracts.wsdl_operations (NC's WSDL)",
    ),
}
# Parses no outside bytes reach, and why.
EXEMPT = {
    "connectors/yonyou/sim_nc.py::NcSoapFace.nc_wsdl": "the simulator's own bundled WSDL file",
    "hrhub/bench/yonyou.py::yy_wsdl": "zeep's own client timed against the loopback simulator",
    "hrhub/bench/successfactors.py::pyodata_service": "SAP's pyodata timed on the simulator",
}
PEERS = {
    ("hrhub/bench/yonyou.py", "zeep.Client"),
    ("hrhub/bench/successfactors.py", "pyodata.Client"),
}

FORBIDDEN_MODULES = (
    "xml.etree",
    "xml.dom",
    "xml.sax",
    "xml.parsers",
    "pyexpat",
    "lxml.html",
    "lxml.objectify",
    "lxml.sax",
    "defusedxml",
    "xmltodict",
    "xmlschema",
    "bs4",
    "html5lib",
    "untangle",
)
ALLOWED_MODULES = ("xml.sax.saxutils",)  # escaping only: builds XML, parses none
PARSER_CLASSES = {
    f"lxml.etree.{n}" for n in ("XMLParser", "HTMLParser", "XMLPullParser", "ETCompatXMLParser")
}
PARSE_WITH_PARSER = {  # function -> position of its parser argument
    **{f"lxml.etree.{n}": 1 for n in ("fromstring", "XML", "parse", "XMLID", "XMLDTDID")},
    "lxml.etree.fromstringlist": 1,
}
NEVER = {
    f"lxml.etree.{n}"
    for n in ("iterparse", "HTML", "DTD", "XMLSchema", "RelaxNG", "XSLT", "Schematron")
}
ZEEP_ENTRIES = {
    "zeep.Client",
    "zeep.AsyncClient",
    "zeep.CachingClient",
    "zeep.client.Client",
    "zeep.wsdl.Document",
    "zeep.wsdl.wsdl.Document",
    "zeep.loader.parse_xml",
    "zeep.loader.load_external",
}
HELPERS = {"connectors._core.safexml.parse"}


def _is_safe_parser(expr: ast.expr | None, call: Call) -> bool:
    """A call of safe_parser, of a module function that returns one, or a name bound to one."""
    names = _names(call)
    factories = _factories(call.tree, call.path)
    if isinstance(expr, ast.Call):
        name = dotted(expr.func, names)
        return name == SAFE_PARSER or (isinstance(expr.func, ast.Name) and name in factories)
    if isinstance(expr, ast.Name):
        bound = [
            node.value
            for node in ast.walk(call.tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets)
        ]
        return bool(bound) and all(_is_safe_parser(value, call) for value in bound)
    return False


def _names(call: Call) -> dict[str, str]:
    if call.path == SAFEXML:
        return {**call.names, "safe_parser": SAFE_PARSER}
    return call.names


@functools.cache
def _factories(tree: ast.Module, path: str) -> frozenset[str]:
    """Functions whose every return is `safe_parser(...)` (ncxml._parser, saml._parser)."""
    names = aliases(tree)
    if path == SAFEXML:
        names["safe_parser"] = SAFE_PARSER
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
            if returns and all(
                isinstance(r, ast.Call) and dotted(r.func, names) == SAFE_PARSER for r in returns
            ):
                found.add(node.name)
    return frozenset(found)


def _settings_ok(call: Call) -> bool:
    given = call.keyword("settings")
    name = dotted(given, _names(call)) if given is not None else None
    return name == ZEEP_SETTINGS or (call.path == NC_CLIENT and name == "SETTINGS")


def xml_problems(calls: Iterable[Call]) -> list[str]:
    """Every XML parse that does not go through the hardened parser or zeep's SETTINGS."""
    problems = []
    for call in calls:
        name = dotted(call.node.func, _names(call))
        if name in PARSER_CLASSES and call.path != SAFEXML:
            problems.append(f"{call.where}: builds its own parser; use safexml.safe_parser")
        elif name in PARSE_WITH_PARSER:
            parser = call.argument(PARSE_WITH_PARSER[name], "parser")
            if not _is_safe_parser(parser, call):
                problems.append(f"{call.where}: parses without safexml.safe_parser")
        elif name in NEVER or name.endswith(".xinclude"):
            problems.append(f"{call.where}: never allowed on outside XML")
        elif name in ZEEP_ENTRIES and not _settings_ok(call):
            if (call.path, name) not in PEERS:
                problems.append(f"{call.where}: zeep without settings=SETTINGS")
        elif name.startswith("pyodata.") and (call.path, name) not in PEERS:
            problems.append(f"{call.where}: pyodata parses $metadata with its own parser")
    return problems


def parse_sites(calls: Iterable[Call] | None = None) -> list[str]:
    """`path::scope` of every call that parses XML (or hands XML to zeep or pyodata)."""
    parsing = PARSER_CLASSES | set(PARSE_WITH_PARSER) | ZEEP_ENTRIES | HELPERS
    sites = []
    for call in calls if calls is not None else all_calls():
        name = dotted(call.node.func, _names(call))
        if name in parsing - PARSER_CLASSES or name.startswith("pyodata.Client"):
            sites.append(f"{call.path}::{call.scope}")
    return sites


def forbidden_imports(source: str | ast.Module, path: str) -> list[str]:
    tree = source if isinstance(source, ast.Module) else ast.parse(source)
    found = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            if module.startswith(FORBIDDEN_MODULES) and not module.startswith(ALLOWED_MODULES):
                found.append(f"{path}:{node.lineno} imports {module}")
    return found


def test_no_module_parses_xml_except_through_the_hardened_parser() -> None:
    assert xml_problems(all_calls()) == []


def test_no_module_imports_another_xml_parser() -> None:
    found = []
    for path, tree in modules():
        found += forbidden_imports(tree, path)
    assert found == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("from lxml import etree\netree.fromstring(b)", "parses without"),
        ("from lxml import etree\netree.parse(f, etree.XMLParser())", "builds its own parser"),
        ("from lxml import etree as et\net.XML(b, parser=None)", "parses without"),
        ("import lxml.etree\nlxml.etree.iterparse(f)", "never allowed"),
        ("from lxml.etree import fromstring\nfromstring(b)", "parses without"),
        ("import zeep\nzeep.Client(wsdl)", "zeep without settings"),
        ("from zeep import Client, Settings\nClient(w, settings=Settings())", "zeep without"),
        ("import pyodata\npyodata.Client(url, session)", "pyodata"),
        ("from lxml import etree\ntree = etree.parse(f)\ntree.xinclude()", "never allowed"),
        ("from lxml import etree\np = etree.XMLParser()\netree.fromstring(b, p)", "own parser"),
    ],
)
def test_the_static_check_catches_each_way_around(source: str, problem: str) -> None:
    found = xml_problems(calls_in(source, "hrhub/new.py"))
    assert any(problem in p for p in found), found


def test_the_static_check_accepts_the_hardened_ways() -> None:
    source = (
        "from lxml import etree\n"
        "from connectors._core.safexml import safe_parser\n"
        "def _parser():\n    return safe_parser(remove_comments=True)\n"
        "def a(b):\n    return etree.fromstring(b, parser=_parser())\n"
        "def c(f):\n    parser = safe_parser()\n    return etree.parse(f, parser)\n"
        "import zeep\nfrom connectors.yonyou.nc_client import SETTINGS\n"
        "zeep.Client(w, settings=SETTINGS)\n"
    )
    assert xml_problems(calls_in(source, "hrhub/new.py")) == []
    assert parse_sites(calls_in(source, "hrhub/new.py")) == [
        "hrhub/new.py::a",
        "hrhub/new.py::c",
        "hrhub/new.py::<module>",
    ]


@pytest.mark.parametrize(
    "source",
    ["import xml.etree.ElementTree as ET", "from xml.dom import minidom", "import xmltodict"],
)
def test_the_import_check_catches_other_parsers(source: str) -> None:
    assert forbidden_imports(source, "hrhub/new.py")
    assert forbidden_imports("from xml.sax.saxutils import escape", "x.py") == []
