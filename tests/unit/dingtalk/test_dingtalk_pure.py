"""DingTalk connector pieces that need no server: busy rules, templates, tokens, signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import threading
import time
from datetime import date, datetime, timedelta

import pytest

from connectors._core.busy import CHINA, BusyInterval, Shift, busy_intervals, merge
from connectors._core.errors import RecordRejected
from connectors._core.tokens import TokenCache
from connectors.dingtalk.client import _windows, robot_sign
from connectors.dingtalk.notices import msg_bytes, render_robot, render_work_notice, templates

MONDAY = date(2024, 6, 17)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=CHINA)


def shift(userid: str, day: date) -> Shift:
    return Shift(userid, day, at(day, 9), at(day, 18))


# -- busy intervals ---------------------------------------------------------------------------


def test_outside_the_shift_and_rest_days_are_busy() -> None:
    start, end = at(MONDAY, 0), at(MONDAY + timedelta(days=2), 0)
    busy = busy_intervals(
        ["u1"],
        start,
        end,
        shifts=[shift("u1", MONDAY)],  # no shift on Tuesday
        leave=[],
        punches=[],
        now=at(MONDAY, 7),
    )["u1"]
    assert busy == [
        BusyInterval(at(MONDAY, 0), at(MONDAY, 9), "off_shift"),
        BusyInterval(at(MONDAY, 18), end, "off_shift"),
    ]


def test_leave_is_busy_and_outranks_off_shift_when_merged() -> None:
    day = MONDAY + timedelta(days=3)
    busy = busy_intervals(
        ["u1"],
        at(day, 8),
        at(day, 20),
        shifts=[shift("u1", day)],
        leave=[("u1", at(day, 9), at(day, 18))],
        punches=[],
        now=at(MONDAY, 7),
    )["u1"]
    assert busy == [BusyInterval(at(day, 8), at(day, 20), "leave")]


def test_today_an_early_off_duty_punch_means_gone_and_no_punch_means_absent() -> None:
    now = at(MONDAY, 15)
    busy = busy_intervals(
        ["left", "absent", "present", "on_leave"],
        at(MONDAY, 9),
        at(MONDAY, 18),
        shifts=[shift(u, MONDAY) for u in ("left", "absent", "present", "on_leave")],
        leave=[("on_leave", at(MONDAY, 13), at(MONDAY, 18))],
        punches=[
            ("left", at(MONDAY, 8, 55), "OnDuty"),
            ("left", at(MONDAY, 14, 10), "OffDuty"),
            ("present", at(MONDAY, 8, 50), "OnDuty"),
        ],
        now=now,
    )
    assert busy["left"] == [BusyInterval(at(MONDAY, 14, 10), at(MONDAY, 18), "left")]
    assert busy["absent"] == [BusyInterval(at(MONDAY, 9), at(MONDAY, 18), "absent")]
    assert busy["present"] == []
    assert busy["on_leave"] == [BusyInterval(at(MONDAY, 13), at(MONDAY, 18), "leave")]


def test_not_absent_before_two_hours_into_the_shift() -> None:
    busy = busy_intervals(
        ["late"],
        at(MONDAY, 9),
        at(MONDAY, 18),
        shifts=[shift("late", MONDAY)],
        leave=[],
        punches=[],
        now=at(MONDAY, 10, 30),
    )
    assert busy["late"] == []


def test_merge_clips_and_joins_touching_intervals() -> None:
    a = BusyInterval(at(MONDAY, 1), at(MONDAY, 3), "off_shift")
    b = BusyInterval(at(MONDAY, 3), at(MONDAY, 5), "leave")
    c = BusyInterval(at(MONDAY, 7), at(MONDAY, 9), "off_shift")
    assert merge([c, b, a], at(MONDAY, 2), at(MONDAY, 8)) == [
        BusyInterval(at(MONDAY, 2), at(MONDAY, 5), "leave"),
        BusyInterval(at(MONDAY, 7), at(MONDAY, 8), "off_shift"),
    ]


def test_windows_cover_the_range_without_overlap_and_within_seven_days() -> None:
    start = datetime(2024, 5, 1, 0, 0, 0)
    end = datetime(2024, 6, 1, 12, 0, 0)
    windows = list(_windows(start, end, timedelta(days=7)))
    assert windows[0][0] == start and windows[-1][1] == end
    for (_, a_end), (b_start, _) in itertools.pairwise(windows):
        assert b_start == a_end + timedelta(seconds=1)
    assert all(stop - begin < timedelta(days=7) for begin, stop in windows)


# -- templates --------------------------------------------------------------------------------


PARAMS = {
    "job_title": "高级数据工程师",
    "slot": "2024-06-18 14:00-14:45",
    "expires": "2024-06-18 14:45",
    "link": "https://room.example.com/i/abc.def",
    "decision_by": "2024-06-25",
}


@pytest.mark.parametrize("template", ["invite", "reminder", "pass", "reject", "pending"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_template_renders_in_both_languages_within_the_size_limit(
    template: str, language: str
) -> None:
    msg = render_work_notice(template, language, PARAMS)
    assert msg["msgtype"] in ("action_card", "markdown")
    text = str(msg)
    assert PARAMS["job_title"] in text
    assert "{" not in (msg.get("markdown") or msg.get("action_card"))["title"]
    assert msg_bytes(msg) <= 2048
    if template in ("invite", "reminder"):
        assert msg["action_card"]["single_url"] == PARAMS["link"]
    robot = render_robot(template, language, PARAMS, at_mobiles=["13800138000"])
    assert robot["at"]["atMobiles"] == ["13800138000"]


def test_chinese_and_english_texts_differ() -> None:
    zh = render_work_notice("reject", "zh", PARAMS)["markdown"]["text"]
    en = render_work_notice("reject", "en", PARAMS)["markdown"]["text"]
    assert "感谢" in zh and "Thank you" in en


def test_a_missing_param_refuses_the_record_and_names_the_param() -> None:
    with pytest.raises(RecordRejected) as failure:
        render_work_notice("invite", "zh", {"job_title": "x"}, record_id="notification:1")
    assert failure.value.field == "params.slot"
    assert failure.value.record_id == "notification:1"


def test_unknown_template_or_language_is_refused_by_field() -> None:
    with pytest.raises(RecordRejected) as failure:
        render_work_notice("welcome", "zh", PARAMS)
    assert failure.value.field == "template"
    with pytest.raises(RecordRejected) as failure:
        render_work_notice("pass", "fr", PARAMS)
    assert failure.value.field == "language"


def test_templates_keep_candidates_names_out() -> None:
    for spec in templates().values():
        for lang in ("zh", "en"):
            text = spec[lang]["title"] + spec[lang]["text"]
            assert "{name" not in text and "{candidate" not in text and "{score" not in text


# -- tokens and signing -----------------------------------------------------------------------


def test_token_cache_fetches_once_for_many_threads() -> None:
    cache = TokenCache()
    calls = []

    def fetch() -> tuple[str, float]:
        calls.append(1)
        time.sleep(0.05)
        return "tok-1", 7200.0

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get(("h", "k"), fetch)))
        for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["tok-1"] * 16
    assert len(calls) == 1


def test_token_cache_refetches_after_expiry_and_only_drops_the_rejected_token() -> None:
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    tokens = iter(["a", "b", "c"])
    fetch = lambda: (next(tokens), 100.0)  # noqa: E731
    assert cache.get(("h", "k"), fetch) == "a"
    now[0] = 95.0  # inside the early-refresh margin of a 100 s token
    assert cache.get(("h", "k"), fetch) == "b"
    cache.invalidate(("h", "k"), "a")  # a late thread rejecting the old token changes nothing
    assert cache.peek(("h", "k")) == "b"
    cache.invalidate(("h", "k"), "b")
    assert cache.get(("h", "k"), fetch) == "c"


def test_robot_sign_is_dingtalks_hmac() -> None:
    secret, ts = "SEC-test", 1718589600000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert robot_sign(secret, ts) == expected
    assert robot_sign(secret, ts + 1) != expected
