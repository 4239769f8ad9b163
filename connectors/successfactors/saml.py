"""The OAuth 2.0 SAML bearer assertion SuccessFactors takes at `/oauth/token`, both sides.

SuccessFactors' API auth (dossier §1.8) is a SAML 2.0 assertion the client signs with the
private key of its registered X.509 certificate: Issuer = the API key (client_id), NameID =
the API user, Audience `www.successfactors.com`, Recipient = the token URL, attributes
`api_key`, `use_username`, `external_user`. The client (connector) builds it; the simulator
verifies it the way the real token service does. Only `cryptography` and `lxml`: no xmlsec.

The signature is an enveloped XML-DSig over the exclusive canonical form of the assertion
(RSA-SHA256, SHA-256 digest). Verification pins the reference to the root assertion's ID and
uses the registered certificate, not the one in KeyInfo, so wrapped or re-keyed assertions fail.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from connectors._core.safexml import safe_parser

__all__ = [
    "DEFAULT_AUDIENCE",
    "SamlError",
    "build_assertion",
    "generate_test_keypair",
    "verify_assertion",
]

DEFAULT_AUDIENCE = "www.successfactors.com"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
PASSWORD_TRANSPORT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MAX_ASSERTION_BYTES = 64 * 1024

_NSMAP = {"saml2": SAML_NS}
_NS = {"saml2": SAML_NS, "ds": DS_NS}
_TIME_FMT = "%Y-%m-%dT%H:%M:%SZ"


class SamlError(Exception):
    """The assertion is refused; `code` says why in a word a token endpoint can answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# -- keys ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def generate_test_keypair() -> tuple[bytes, bytes]:
    """A self-signed RSA 2048 certificate and its private key, PEM (one per process: RSA key
    generation costs tens of milliseconds and tests start many simulators)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "hrhub-sandbox"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hrhub"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


@functools.lru_cache(maxsize=8)
def _load_private_key(pem: bytes | str) -> rsa.RSAPrivateKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the SAML signing key must be an RSA private key")
    return key


def _load_certificate(pem: bytes | str) -> x509.Certificate:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificate(data)


# -- building --------------------------------------------------------------------------------


def _q(name: str, ns: str = SAML_NS) -> str:
    return f"{{{ns}}}{name}"


def _ts(when: datetime) -> str:
    return when.astimezone(UTC).strftime(_TIME_FMT)


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(microsecond=0)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrs: str
) -> etree._Element:
    child = etree.SubElement(parent, _q(name), attrs)
    if text is not None:
        child.text = text
    return child


def _unsigned_assertion(
    *,
    assertion_id: str,
    client_id: str,
    user_id: str,
    token_url: str,
    audience: str,
    not_before: datetime,
    not_after: datetime,
) -> etree._Element:
    root = etree.Element(
        _q("Assertion"),
        {"ID": assertion_id, "IssueInstant": _ts(not_before), "Version": "2.0"},
        nsmap=_NSMAP,
    )
    _sub(root, "Issuer", client_id)
    subject = _sub(root, "Subject")
    _sub(subject, "NameID", user_id, Format=NAMEID_UNSPECIFIED)
    confirmation = _sub(subject, "SubjectConfirmation", Method=BEARER)
    _sub(
        confirmation,
        "SubjectConfirmationData",
        NotOnOrAfter=_ts(not_after),
        Recipient=token_url,
    )
    conditions = _sub(root, "Conditions", NotBefore=_ts(not_before), NotOnOrAfter=_ts(not_after))
    restriction = _sub(conditions, "AudienceRestriction")
    _sub(restriction, "Audience", audience)
    authn = _sub(root, "AuthnStatement", AuthnInstant=_ts(not_before), SessionIndex=assertion_id)
    context = _sub(authn, "AuthnContext")
    _sub(context, "AuthnContextClassRef", PASSWORD_TRANSPORT)
    statement = _sub(root, "AttributeStatement")
    for name, value in (
        ("api_key", client_id),
        ("use_username", "true"),
        ("external_user", "false"),
    ):
        attribute = _sub(statement, "Attribute", Name=name)
        _sub(attribute, "AttributeValue", value)
    return root


def _signature_element(assertion_id: str, digest: bytes) -> etree._Element:
    sig = etree.Element(_q("Signature", DS_NS), nsmap={"ds": DS_NS})
    signed_info = etree.SubElement(sig, _q("SignedInfo", DS_NS))
    etree.SubElement(signed_info, _q("CanonicalizationMethod", DS_NS), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, _q("SignatureMethod", DS_NS), Algorithm=RSA_SHA256)
    reference = etree.SubElement(signed_info, _q("Reference", DS_NS), URI=f"#{assertion_id}")
    transforms = etree.SubElement(reference, _q("Transforms", DS_NS))
    etree.SubElement(transforms, _q("Transform", DS_NS), Algorithm=ENVELOPED)
    etree.SubElement(transforms, _q("Transform", DS_NS), Algorithm=EXC_C14N)
    etree.SubElement(reference, _q("DigestMethod", DS_NS), Algorithm=SHA256)
    etree.SubElement(reference, _q("DigestValue", DS_NS)).text = base64.b64encode(digest).decode(
        "ascii"
    )
    return sig


def build_assertion(
    *,
    client_id: str,
    user_id: str,
    company_id: str,
    token_url: str,
    private_key_pem: bytes | str,
    audience: str = DEFAULT_AUDIENCE,
    lifetime: int = 600,
    now: datetime | None = None,
    certificate_pem: bytes | str | None = None,
) -> str:
    """The base64 SAML 2.0 assertion to post as `assertion` to SuccessFactors' /oauth/token.

    `company_id` travels as its own form field at the token endpoint, not in the assertion
    (SAP's own generator leaves it out too); it is accepted here so callers pass one set of
    settings. `certificate_pem`, if given, is copied into KeyInfo (informative only: the
    verifier uses the certificate registered for the client).
    """
    del company_id  # sent as a form field next to the assertion
    issued = _utc(now)
    assertion_id = f"_{uuid.uuid4().hex}"
    root = _unsigned_assertion(
        assertion_id=assertion_id,
        client_id=client_id,
        user_id=user_id,
        token_url=token_url,
        audience=audience,
        not_before=issued,
        not_after=issued + timedelta(seconds=lifetime),
    )
    digest = hashlib.sha256(_c14n(root)).digest()
    signature = _signature_element(assertion_id, digest)
    root.insert(1, signature)  # after Issuer, as the SAML schema orders it
    signed_info = signature.find("ds:SignedInfo", _NS)
    assert signed_info is not None
    key = _load_private_key(private_key_pem)
    value = key.sign(_c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    etree.SubElement(signature, _q("SignatureValue", DS_NS)).text = base64.b64encode(value).decode(
        "ascii"
    )
    if certificate_pem is not None:
        key_info = etree.SubElement(signature, _q("KeyInfo", DS_NS))
        x509_data = etree.SubElement(key_info, _q("X509Data", DS_NS))
        etree.SubElement(x509_data, _q("X509Certificate", DS_NS)).text = _pem_body(certificate_pem)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return base64.b64encode(xml).decode("ascii")


def _pem_body(pem: bytes | str) -> str:
    text = pem.decode("ascii") if isinstance(pem, bytes) else pem
    return "".join(line for line in text.strip().splitlines() if not line.startswith("-----"))


# -- verifying -------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    """An assertion is attacker-controlled input."""
    return safe_parser(remove_blank_text=False)


def _parse(assertion_b64: str) -> etree._Element:
    text = assertion_b64.strip() if isinstance(assertion_b64, str) else ""
    if not text:
        raise SamlError("invalid_assertion", "assertion is empty")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SamlError("invalid_assertion", "assertion is not valid base64") from None
    if len(data) > MAX_ASSERTION_BYTES:
        raise SamlError("invalid_assertion", "assertion is too large")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise SamlError("invalid_assertion", "DTDs and entities are not allowed in an assertion")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise SamlError("invalid_assertion", f"assertion is not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise SamlError("invalid_assertion", "DTDs are not allowed in an assertion")
    if root.tag != _q("Assertion"):
        raise SamlError("invalid_assertion", "root element is not a SAML 2.0 Assertion")
    return root


def _text(root: etree._Element, path: str, what: str) -> str:
    node = root.find(path, _NS)
    if node is None or not (node.text or "").strip():
        raise SamlError("invalid_assertion", f"assertion has no {what}")
    return node.text.strip()


def _attr(root: etree._Element, path: str, name: str, what: str) -> str:
    node = root.find(path, _NS)
    value = node.get(name) if node is not None else None
    if not value:
        raise SamlError("invalid_assertion", f"assertion has no {what}")
    return value


def _time(value: str, what: str) -> datetime:
    for fmt in (_TIME_FMT, "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise SamlError("invalid_assertion", f"{what} {value!r} is not an xs:dateTime in UTC")


def _check_signature(root: etree._Element, certificate_pem: bytes | str) -> None:
    signatures = root.findall("ds:Signature", _NS)
    if not signatures:
        raise SamlError("signature_missing", "assertion is not signed")
    if len(signatures) > 1 or len(root.findall(".//ds:Signature", _NS)) > 1:
        raise SamlError("signature_invalid", "assertion carries more than one signature")
    signature = signatures[0]
    signed_info = signature.find("ds:SignedInfo", _NS)
    value_text = signature.findtext("ds:SignatureValue", namespaces=_NS)
    if signed_info is None or not (value_text or "").strip():
        raise SamlError("signature_missing", "signature has no SignedInfo or SignatureValue")
    _check_algorithms(signed_info)
    references = signed_info.findall("ds:Reference", _NS)
    if len(references) != 1 or references[0].get("URI") != f"#{root.get('ID')}":
        raise SamlError("signature_invalid", "signature does not reference the assertion")
    try:
        signature_value = base64.b64decode("".join(value_text.split()), validate=True)
        expected_digest = base64.b64decode(
            "".join((references[0].findtext("ds:DigestValue", "", _NS)).split()),
            validate=True,
        )
    except (binascii.Error, ValueError):
        raise SamlError("signature_invalid", "signature values are not base64") from None
    public_key = _load_certificate(certificate_pem).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SamlError("signature_invalid", "registered certificate has no RSA key")
    try:
        public_key.verify(signature_value, _c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SamlError(
            "signature_invalid", "signature does not verify with the registered certificate"
        ) from None
    unsigned = copy.deepcopy(root)
    for node in unsigned.findall("ds:Signature", _NS):
        unsigned.remove(node)
    if hashlib.sha256(_c14n(unsigned)).digest() != expected_digest:
        raise SamlError("digest_mismatch", "assertion content does not match its signed digest")


def _check_algorithms(signed_info: etree._Element) -> None:
    c14n = _attr(signed_info, "ds:CanonicalizationMethod", "Algorithm", "c14n method")
    method = _attr(signed_info, "ds:SignatureMethod", "Algorithm", "signature method")
    digest = _attr(signed_info, "ds:Reference/ds:DigestMethod", "Algorithm", "digest method")
    transforms = [
        t.get("Algorithm") for t in signed_info.findall("ds:Reference/ds:Transforms/*", _NS)
    ]
    if (
        c14n != EXC_C14N
        or method != RSA_SHA256
        or digest != SHA256
        or transforms != [ENVELOPED, EXC_C14N]
    ):
        raise SamlError(
            "signature_invalid",
            "unsupported signature algorithms (expected exclusive C14N, RSA-SHA256, SHA-256)",
        )


def verify_assertion(
    assertion_b64: str,
    *,
    certificate_pem: bytes | str,
    client_id: str,
    audience: str = DEFAULT_AUDIENCE,
    token_url: str,
    now: datetime | None = None,
) -> str:
    """Check an assertion as the token service does and return its user id (NameID).

    Raises SamlError for anything a real token service refuses: bad encoding, DTDs, wrong
    issuer, audience or recipient, outside its validity window, missing or bad signature,
    tampered content.
    """
    root = _parse(assertion_b64)
    _check_signature(root, certificate_pem)
    issuer = _text(root, "saml2:Issuer", "Issuer")
    if issuer != client_id:
        raise SamlError("issuer_mismatch", f"assertion issuer {issuer!r} is not the client_id")
    audiences = [
        (a.text or "").strip()
        for a in root.findall("saml2:Conditions/saml2:AudienceRestriction/saml2:Audience", _NS)
    ]
    if audience not in audiences:
        raise SamlError("audience_mismatch", f"assertion audience is not {audience!r}")
    confirmation = "saml2:Subject/saml2:SubjectConfirmation/saml2:SubjectConfirmationData"
    recipient = _attr(root, confirmation, "Recipient", "Recipient")
    if recipient != token_url:
        raise SamlError(
            "recipient_mismatch", f"assertion recipient {recipient!r} is not {token_url!r}"
        )
    current = _utc(now)
    conditions = root.find("saml2:Conditions", _NS)
    not_before = conditions.get("NotBefore") if conditions is not None else None
    not_after = _attr(root, "saml2:Conditions", "NotOnOrAfter", "NotOnOrAfter")
    if not_before and current < _time(not_before, "NotBefore"):
        raise SamlError("not_yet_valid", "assertion is not valid yet (NotBefore)")
    if current >= _time(not_after, "NotOnOrAfter"):
        raise SamlError("expired", "assertion has expired (NotOnOrAfter)")
    confirmation_end = root.find(confirmation, _NS).get("NotOnOrAfter")
    if confirmation_end and current >= _time(confirmation_end, "NotOnOrAfter"):
        raise SamlError("expired", "assertion subject confirmation has expired")
    return _text(root, "saml2:Subject/saml2:NameID", "NameID")
