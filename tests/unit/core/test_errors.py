import pickle

import pytest
import requests

from connectors._core.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    DataContractError,
    FatalError,
    RateLimited,
    RecordRejected,
    RetriableError,
)
from connectors._core.redaction import REDACTOR


def test_tree_is_grouped_by_what_the_caller_does():
    for cls in (ConfigError, AuthError, RetriableError, FatalError, RecordRejected):
        assert issubclass(cls, ConnectorError)
    assert issubclass(DataContractError, ConnectorError)
    assert issubclass(RateLimited, RetriableError)
    assert not issubclass(AuthError, RetriableError)
    assert not issubclass(FatalError, RetriableError)


def test_str_is_one_line_naming_system_status_vendor_code():
    exc = RateLimited(
        "too many\nrequests", system="dingtalk", status=200, vendor_code=90002, retry_after=2
    )
    assert str(exc) == ("dingtalk (HTTP 200, vendor code 90002, retry after 2s): too many requests")
    assert exc.vendor_code == "90002"  # codes are strings, whatever the vendor sent


def test_str_names_record_and_field():
    exc = RecordRejected("invalid mobile", system="yonyou", record_id=17, field="mobile")
    assert str(exc) == "yonyou (record '17', field 'mobile'): invalid mobile"
    assert exc.record_id == "17"
    assert exc.status is None


def test_response_is_kept_but_never_shown():
    resp = requests.Response()
    resp.status_code = 500
    resp.url = "http://h/x?access_token=RESPONSE-ONLY"
    exc = FatalError("boom", system="sf", status=500, response=resp)
    assert exc.response is resp
    assert "RESPONSE-ONLY" not in str(exc)
    assert "RESPONSE-ONLY" not in repr(exc)


def test_auth_error_refreshable_flag():
    assert AuthError("expired").refreshable is False
    exc = AuthError("expired", system="dingtalk", vendor_code="40014", refreshable=True)
    assert exc.refreshable
    assert "refreshable" in str(exc)


def test_defaults_without_facts():
    assert str(ConnectorError()) == "connector"
    assert str(ConfigError("no host")) == "connector: no host"
    assert RetriableError().retry_after is None


def test_pickles_without_the_response():
    resp = requests.Response()
    exc = RateLimited("slow down", system="sf", status=429, retry_after=300.0, response=resp)
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is RateLimited
    assert (copy.system, copy.status, copy.retry_after, copy.response) == ("sf", 429, 300.0, None)
    auth = pickle.loads(pickle.dumps(AuthError("x", refreshable=True, record_id="r1")))
    assert auth.refreshable and auth.record_id == "r1"


def test_str_redacts_known_secrets():
    REDACTOR.add_secret("ERR-MARKER-5f1c")
    exc = FatalError("token ERR-MARKER-5f1c rejected at /x?password=hunter22", system="sf")
    assert "ERR-MARKER-5f1c" not in str(exc)
    assert "hunter22" not in str(exc)


@pytest.mark.parametrize(
    "cls", [ConfigError, AuthError, RetriableError, RateLimited, FatalError, RecordRejected]
)
def test_every_error_carries_the_same_facts(cls):
    exc = cls("m", system="s", status=400, vendor_code="E1", record_id="r", field="f")
    assert (exc.system, exc.status, exc.vendor_code, exc.record_id, exc.field) == (
        "s",
        400,
        "E1",
        "r",
        "f",
    )
