import io
import logging

import pytest

from connectors._core.errors import FatalError
from connectors._core.redaction import MASK, REDACTOR, RedactingFilter, Redactor

TOKEN = "TOKEN-MARKER-7d2e9a"
PASSWORD = "p@ss word/&=MARKER"


@pytest.fixture
def redactor():
    return Redactor(secrets=[TOKEN, PASSWORD])


def test_short_values_are_not_secrets(redactor):
    redactor.add_secret("abc")
    redactor.add_secret(None)
    assert redactor.redact_text("abc is fine") == "abc is fine"


def test_redact_text_masks_values_and_their_url_encodings(redactor):
    text = f"got {TOKEN} and p%40ss%20word%2F%26%3DMARKER and p%40ss+word%2F%26%3DMARKER"
    assert redactor.redact_text(text) == f"got {MASK} and {MASK} and {MASK}"


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("GET /x?access_token=unknown123&page=2", "unknown123"),
        ('{"password": "unknown123", "user": "bob"}', "unknown123"),
        ("Authorization: Bearer unknown123", "unknown123"),
        ("appSecret=unknown123", "unknown123"),
        ("client-secret: unknown123", "unknown123"),
    ],
)
def test_redact_text_masks_secret_keys_even_for_unknown_values(text, leak):
    redacted = Redactor().redact_text(text)
    assert leak not in redacted
    assert MASK in redacted


def test_redact_text_leaves_ordinary_text(redactor):
    text = 'appkey=ding123 page=2 {"name": "Li Lei"}'
    assert redactor.redact_text(text) == text


def test_redact_url(redactor):
    url = "https://u:pw-secret@oapi.example/topapi/x?appkey=ding1&access_token=abc123&AppSecret=s3cr3t"
    assert redactor.redact_url(url) == (
        f"https://u:{MASK}@oapi.example/topapi/x?appkey=ding1&access_token={MASK}&AppSecret={MASK}"
    )


def test_redact_url_masks_known_values_in_the_path(redactor):
    assert TOKEN not in redactor.redact_url(f"http://h/token/{TOKEN}/x")


def test_redact_mapping_is_recursive_and_case_insensitive(redactor):
    payload = {
        "appKey": "ding1",
        "AppSecret": "s1",
        "ACCESS_TOKEN": "t1",
        "accessToken": "t2",
        "headers": {"Authorization": "Bearer t3", "x-acs-dingtalk-access-token": "t4"},
        "users": [{"name": "Li", "password": "t5"}, {"note": f"uses {TOKEN}"}],
        "tuple": ("x", TOKEN),
        "empty_token": {"token": None},
    }
    out = redactor.redact_mapping(payload)
    assert out == {
        "appKey": "ding1",
        "AppSecret": MASK,
        "ACCESS_TOKEN": MASK,
        "accessToken": MASK,
        "headers": {"Authorization": MASK, "x-acs-dingtalk-access-token": MASK},
        "users": [{"name": "Li", "password": MASK}, {"note": f"uses {MASK}"}],
        "tuple": ("x", MASK),
        "empty_token": {"token": None},
    }
    assert payload["AppSecret"] == "s1"  # the input is untouched


def test_custom_secret_keys():
    r = Redactor(secret_keys=["pin"])
    assert r.redact_mapping({"pin": "1234", "password": "x"}) == {"pin": MASK, "password": "x"}
    r.add_secret_key("password")
    assert r.redact_mapping({"password": "x"}) == {"password": MASK}


def test_logging_filter_keeps_secrets_out_of_log_output(redactor):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(redactor))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        logger.info("token %s for %r", TOKEN, {"password": PASSWORD})
        logger.info("GET http://h/x?access_token=unknown123")
        try:
            raise RuntimeError(f"login failed with {PASSWORD}")
        except RuntimeError:
            logger.exception("call failed")
        logger.info("bad format %s %s", "only-one")  # must not raise nor hide the line
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    for leak in (TOKEN, PASSWORD, "unknown123"):
        assert leak not in output
    assert "call failed" in output and "RuntimeError" in output
    assert "bad format" in output


def test_filter_defaults_to_the_process_redactor():
    REDACTOR.add_secret("PROC-MARKER-91ab")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", ("PROC-MARKER-91ab",), None)
    RedactingFilter().filter(record)
    assert "PROC-MARKER-91ab" not in record.getMessage()


def test_exception_text_is_redacted():
    REDACTOR.add_secret("EXC-MARKER-3c4d")
    exc = FatalError("rejected EXC-MARKER-3c4d", system="dingtalk")
    assert "EXC-MARKER-3c4d" not in str(exc)
