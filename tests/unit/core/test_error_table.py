import email.utils
import time

import pytest
import yaml

from connectors._core.error_table import (
    DEFAULT_RULES,
    Action,
    ErrorRule,
    ErrorTable,
    parse_retry_after,
)
from connectors._core.errors import (
    AuthError,
    ConfigError,
    FatalError,
    RateLimited,
    RecordRejected,
    RetriableError,
)

MANIFEST = yaml.safe_load(
    """
- {status: 429, action: rate_limited, retry_after: 300}
- {vendor_code: "90002", action: rate_limited, description: dingtalk throttled}
- {vendor_code: 40014, action: refresh_token}
- {vendor_code: "88", message_contains: no permission, action: config}
- {status: 404, action: ignore}
- {status: "4xx", message_contains: invalid mobile, action: reject_record}
"""
)


@pytest.fixture
def table():
    return ErrorTable.from_manifest(MANIFEST)


def test_manifest_rules_in_order(table):
    assert [r.action for r in table.rules] == [
        Action.RATE_LIMITED,
        Action.RATE_LIMITED,
        Action.REFRESH_TOKEN,
        Action.CONFIG,
        Action.IGNORE,
        Action.REJECT_RECORD,
    ]
    assert table.rules[0].retry_after == 300.0


def test_status_rule(table):
    rule = table.classify(429)
    assert rule.action is Action.RATE_LIMITED and rule.retry_after == 300


def test_vendor_codes_compare_as_strings(table):
    assert table.classify(200, 90002).action is Action.RATE_LIMITED
    assert table.classify(200, "40014").action is Action.REFRESH_TOKEN


def test_all_criteria_must_match(table):
    assert table.classify(200, "88", "No Permission for this app").action is Action.CONFIG
    assert table.classify(200, "88", "something else") is None


def test_status_class_with_message(table):
    assert table.classify(400, None, "Invalid mobile: 123").action is Action.REJECT_RECORD
    assert table.classify(422, None, "invalid MOBILE").action is Action.REJECT_RECORD


def test_first_match_wins():
    table = ErrorTable([ErrorRule(Action.RETRY, status=503), ErrorRule(Action.FATAL, status=503)])
    assert table.classify(503).action is Action.RETRY


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (429, Action.RATE_LIMITED),
        (500, Action.RETRY),
        (503, Action.RETRY),
        (401, Action.AUTH),
        (403, Action.AUTH),
        (400, Action.FATAL),
        (409, Action.FATAL),
    ],
)
def test_defaults_come_last(status, action):
    assert ErrorTable().classify(status).action is action


def test_success_and_unknown_vendor_codes_match_nothing(table):
    assert table.classify(200) is None
    assert table.classify(200, "12345") is None
    assert ErrorTable(defaults=False).classify(500) is None
    assert len(DEFAULT_RULES) == 5


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ([{"status": 429, "action": "rate_limited"}, {"code": 1, "action": "fatal"}], "[1]"),
        ([{"status": 429, "action": "explode"}], "unknown action 'explode'"),
        ([{"status": 429}], "missing 'action'"),
        ([{"action": "fatal"}], "at least one of"),
        ([{"status": "6xx", "action": "fatal"}], "status"),
        ([{"status": 429, "action": "retry", "retry_after": -1}], ">= 0"),
        (["429: retry"], "expected a mapping"),
    ],
)
def test_bad_manifest_names_the_rule(manifest, words):
    with pytest.raises(ConfigError) as info:
        ErrorTable.from_manifest(manifest)
    assert words in str(info.value)
    assert f"error_table[{len(manifest) - 1}]" in str(info.value)


def test_empty_manifest_is_defaults_only():
    assert ErrorTable.from_manifest(None).classify(429).action is Action.RATE_LIMITED


@pytest.mark.parametrize(
    ("action", "cls"),
    [
        (Action.RETRY, RetriableError),
        (Action.RATE_LIMITED, RateLimited),
        (Action.REFRESH_TOKEN, AuthError),
        (Action.AUTH, AuthError),
        (Action.CONFIG, ConfigError),
        (Action.FATAL, FatalError),
        (Action.REJECT_RECORD, RecordRejected),
    ],
)
def test_to_exception_builds_the_class(action, cls):
    rule = ErrorRule(action, vendor_code="E1", description="what happened")
    exc = ErrorTable.to_exception(
        rule, system="sys", status=200, vendor_code="E1", message="vendor says no"
    )
    assert type(exc) is cls
    assert (exc.system, exc.status, exc.vendor_code) == ("sys", 200, "E1")
    assert str(exc).endswith("what happened: vendor says no")
    if cls is AuthError:
        assert exc.refreshable is (action is Action.REFRESH_TOKEN)


def test_retry_after_header_beats_rule_default():
    rule = ErrorRule(Action.RATE_LIMITED, status=429, retry_after=300)
    assert ErrorTable.to_exception(rule, status=429).retry_after == 300
    assert ErrorTable.to_exception(rule, status=429, retry_after_header="7").retry_after == 7.0
    in_30s = email.utils.formatdate(time.time() + 30, usegmt=True)
    exc = ErrorTable.to_exception(rule, status=429, retry_after_header=in_30s)
    assert 28 <= exc.retry_after <= 31


def test_ignore_has_no_exception():
    with pytest.raises(ValueError, match="ignore"):
        ErrorTable.to_exception(ErrorRule(Action.IGNORE, status=404))


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("5", 5.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None)],
)
def test_parse_retry_after_seconds(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date():
    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 120, usegmt=True)
    assert parse_retry_after(header, now=lambda: now) == pytest.approx(120, abs=1)
    past = email.utils.formatdate(now - 120, usegmt=True)
    assert parse_retry_after(past, now=lambda: now) == 0.0
