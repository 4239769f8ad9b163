"""Issue 12, Security: "TLS verification is on by default and switching it off is loud".

hrhub has no setting that turns certificate checks off: every registered connector sends
every request with verify=True, a self-signed server is refused with a ConfigError, and an
internal CA is trusted through REQUESTS_CA_BUNDLE (README, Configuration). Code that hands
ApiClient an unverified session gets a WARNING naming the system each time such a client is
built, and urllib3's InsecureRequestWarning still reaches the caller: nothing silences it.
A static check keeps it that way (no verify=False, no unverified SSL context, no filter
that hides the warning).
"""

from __future__ import annotations

import ast
import importlib
import ipaddress
import logging
import pkgutil
import ssl
import threading
import warnings
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from urllib3.exceptions import InsecureRequestWarning

import connectors
from connectors._core.errors import ConfigError
from connectors._core.http import ApiClient
from connectors._core.registry import ConnectorSpec

from .conftest import CASE_IDS, CASES, exercise
from .source_scan import Call, all_calls, calls_in, dotted, modules

# --- a loopback HTTPS server with a certificate nobody trusts ----------------------------------


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1, signed by themselves."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hrhub-internal-ca-test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Ping(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client refusing the certificate is what the tests want


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, certificate) of an HTTPS server on 127.0.0.1."""
    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _QuietServer(("127.0.0.1", 0), _Ping)
    server.socket = context.wrap_socket(
        server.socket, server_side=True, do_handshake_on_connect=False
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_ca_bundle_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def _client(url: str, session: requests.Session | None = None) -> ApiClient:
    return ApiClient(url, system="attendance", session=session)


# --- on by default -------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "variant"), CASES, ids=CASE_IDS)
def test_every_connector_sends_every_request_with_verification_on(
    spec: ConnectorSpec, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = exercise(spec, variant, monkeypatch)
    assert [s for s in sent if s.verify is not True] == []


def test_an_untrusted_certificate_is_refused_as_a_config_error(https: tuple[str, Path]) -> None:
    url, _cert = https
    with _client(url) as client, pytest.raises(ConfigError) as caught:
        client.request_json("GET", "/ping")
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert caught.value.system == "attendance"


def test_an_internal_ca_is_trusted_through_requests_ca_bundle(
    https: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = https
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with _client(url) as client:
        assert client.request_json("GET", "/ping") == {"ok": True}


# --- off is loud ----------------------------------------------------------------------------------


def test_an_unverified_session_is_a_warning_every_time_a_client_is_built(
    https: tuple[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    url, _cert = https
    secret_url = url.replace("https://", "https://hub:S3cret-Pass-81@")
    caplog.set_level(logging.WARNING, logger="connectors._core.http")
    for _ in range(2):
        session = requests.Session()
        session.verify = False
        _client(secret_url, session).close()
        session.close()
    warned = [r for r in caplog.records if "verification is OFF" in r.getMessage()]
    assert len(warned) == 2 and all(r.levelno == logging.WARNING for r in warned)
    assert all("attendance" in r.getMessage() for r in warned)
    assert "S3cret-Pass-81" not in caplog.text
    caplog.clear()
    _client(url).close()
    assert "verification is OFF" not in caplog.text


def _import_every_connector_module() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(connectors.__path__, "connectors.")]
    for name in names:
        importlib.import_module(name)
    return names


def test_nothing_silences_insecure_request_warnings(https: tuple[str, Path]) -> None:
    """With every connector module imported, the process's own warning filters (not
    a test's "always") still let urllib3's warning through."""
    assert len(_import_every_connector_module()) > 20
    text, module = "Unverified HTTPS request is being made", "urllib3.connectionpool"
    hiding = [
        (action, message, category, where)
        for action, message, category, where, _line in warnings.filters
        if action == "ignore"
        and issubclass(InsecureRequestWarning, category)
        and (message is None or message.match(text))
        and (where is None or where.match(module))
    ]
    assert hiding == []
    url, _cert = https
    session = requests.Session()
    session.verify = False
    with warnings.catch_warnings(record=True) as caught, _client(url, session) as client:
        assert client.request_json("GET", "/ping") == {"ok": True}
    session.close()
    assert any(issubclass(w.category, InsecureRequestWarning) for w in caught)


# --- the static check -----------------------------------------------------------------------------

UNVERIFIED = {
    "ssl._create_unverified_context",
    "ssl._create_stdlib_context",
    "urllib3.disable_warnings",
    "requests.packages.urllib3.disable_warnings",
}
FILTERS = {"warnings.filterwarnings", "warnings.simplefilter"}


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _names_the_warning(call: Call) -> bool:
    given = [*call.node.args, *(k.value for k in call.node.keywords)]
    named = [dotted(arg, call.names) + ast.unparse(arg) for arg in given]
    return any("InsecureRequestWarning" in n or "Unverified HTTPS" in n for n in named)


def tls_problems(calls: Iterable[Call], trees: Iterable[tuple[str, ast.Module]]) -> list[str]:
    """verify=False, unverified contexts, and warning filters that hide InsecureRequestWarning."""
    problems = []
    for call in calls:
        if _is_false(call.keyword("verify")):
            problems.append(f"{call.where}: verify=False")
        elif call.name in UNVERIFIED:
            problems.append(f"{call.where}: switches certificate checks or their warning off")
        elif call.name in FILTERS and _names_the_warning(call):
            problems.append(f"{call.where}: filters InsecureRequestWarning")
    for path, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr in ("verify", "check_hostname")
                for t in node.targets
            ):
                if _is_false(node.value):
                    problems.append(f"{path}:{node.lineno}: sets {ast.unparse(node)}")
            elif isinstance(node, ast.Attribute) and node.attr == "CERT_NONE":
                problems.append(f"{path}:{node.lineno}: ssl.CERT_NONE")
    return problems


def test_no_code_switches_verification_off_or_hides_the_warning() -> None:
    assert tls_problems(all_calls(), modules()) == []


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nrequests.get(u, timeout=5, verify=False)",
        "import requests\ns = requests.Session()\ns.verify = False",
        "import ssl\nctx = ssl._create_unverified_context()",
        "import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False",
        "import ssl\nctx = ssl.create_default_context()\nctx.verify_mode = ssl.CERT_NONE",
        "import urllib3\nurllib3.disable_warnings()",
        "import warnings\nfrom urllib3.exceptions import InsecureRequestWarning as W\n"
        "warnings.simplefilter('ignore', W)",
        "import warnings\nwarnings.filterwarnings('ignore', message='Unverified HTTPS request')",
    ],
)
def test_the_static_check_catches_each_way_around(source: str) -> None:
    tree = ast.parse(source)
    assert tls_problems(calls_in(tree, "connectors/new.py"), [("connectors/new.py", tree)])
