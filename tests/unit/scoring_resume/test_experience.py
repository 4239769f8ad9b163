"""Date ranges in both languages, union of ranges, 至今/present, impossible ranges."""

from __future__ import annotations

from datetime import date

import pytest

from hrhub.scoring.resume import find_ranges, parse_resume, union_years
from hrhub.scoring.resume.experience import extract_experience

from .conftest import TODAY


@pytest.mark.parametrize(
    ("text", "start", "end", "current"),
    [
        ("2015.03-2018.06", date(2015, 3, 1), date(2018, 6, 1), False),
        ("2015年3月-2018年6月", date(2015, 3, 1), date(2018, 6, 1), False),
        ("2015/3 – 2018/6", date(2015, 3, 1), date(2018, 6, 1), False),
        ("2019年至今", date(2019, 1, 1), None, True),
        ("2019.07 - 至今", date(2019, 7, 1), None, True),
        ("1981年至1983年", date(1981, 1, 1), date(1983, 1, 1), False),
        ("Mar 2015 - Present", date(2015, 3, 1), None, True),
        ("September 2014 – Feb. 2016", date(2014, 9, 1), date(2016, 2, 1), False),
        ("03/2015 - 06/2018", date(2015, 3, 1), date(2018, 6, 1), False),
        ("2015 - 2018", date(2015, 1, 1), date(2018, 1, 1), False),
        ("Jan 2020 to date", date(2020, 1, 1), None, True),
    ],
)
def test_date_range_formats(text: str, start: date, end: date | None, current: bool) -> None:
    (found,) = find_ranges(f"任职 {text} 某公司")
    assert (found.start, found.end, found.current) == (start, end, current)
    assert found.text == text


@pytest.mark.parametrize(
    "text", ["1988年出生", "月薪8000-12000元", "电话 010-2015-2018", "2015.13-2016.01"]
)
def test_no_range_in_birth_years_salaries_or_bad_months(text: str) -> None:
    assert find_ranges(text) == []


def test_one_item_per_range_with_two_on_one_line() -> None:
    text = "1981年至1983年，在兰州军区某部队工作；1984年至1986年，在国营135工厂工作。"
    items, years, notes = extract_experience(text, [], TODAY)
    assert [(i.start.year, i.end.year) for i in items] == [(1981, 1983), (1984, 1986)]
    assert items[1].evidence.startswith("1984年至1986年")
    assert years == 4.0
    assert notes == []


def test_overlapping_jobs_are_counted_once() -> None:
    text = "工作经历\n2015.01-2018.01 A公司 工程师\n2017.01-2019.01 B公司 顾问\n"
    items, years, _ = extract_experience(text, [], TODAY)
    assert len(items) == 2
    assert years == pytest.approx(4.0, abs=0.01)
    assert union_years([(date(2015, 1, 1), date(2019, 1, 1))]) == years


def test_present_uses_today() -> None:
    text = "工作经历\n2020年1月至今 北京某科技有限公司 工程师\n"
    items, years, _ = extract_experience(text, [], date(2023, 1, 1))
    assert items[0].current and items[0].end is None
    assert items[0].employer == "北京某科技有限公司"
    assert years == pytest.approx(3.0, abs=0.01)
    _, later, _ = extract_experience(text, [], date(2025, 1, 1))
    assert later == pytest.approx(5.0, abs=0.01)


def test_reversed_and_future_ranges_are_ignored_with_a_note() -> None:
    text = (
        "Experience\n"
        "Engineer, Acme Inc   2019 - 2016\n"
        "Engineer, Future Ltd   2030 - 2032\n"
        "Analyst, Beta Co   2014 - 2016\n"
    )
    items, years, notes = extract_experience(text, [], TODAY)
    assert [i.start.year for i in items] == [2014]
    assert years == 2.0
    assert any("2019 - 2016" in n and "ends before it starts" in n for n in notes)
    assert any("2030 - 2032" in n and "starts after" in n for n in notes)


def test_end_after_today_is_cut_to_today() -> None:
    items, years, notes = extract_experience("工作经历\n2025.01-2028.12 某公司\n", [], TODAY)
    assert items[0].end == TODAY
    assert years == pytest.approx(1.91, abs=0.01)
    assert notes and "cut" in notes[0]


def test_study_periods_are_not_experience() -> None:
    text = "2011.09-2015.06 复旦大学 本科\n2015.07-2019.07 某公司 工程师\n"
    items, years, _ = extract_experience(text, [], TODAY)
    assert [i.start.year for i in items] == [2015]
    assert years == 4.0
    sectioned = "Education\n2011 - 2015 Some Place\nProjects\n2016 - 2017 Hackathon\n"
    assert extract_experience(sectioned, [], TODAY)[0] == []


def test_no_dated_job_gives_none() -> None:
    assert extract_experience("张三，擅长销售。", [], TODAY) == ([], None, [])


def test_broken_dates_never_crash_parsing(zh_nlp) -> None:
    text = (
        "工作经历\n2018.00-2017.99 某公司\n2019年13月-2018年2月 某公司\n9999-0000\n2020-2019 某公司"
    )
    parsed = parse_resume(text, zh_nlp=zh_nlp, today=TODAY)
    assert parsed.years_experience is None
    assert parsed.notes == ["ignored date range '2020-2019': ends before it starts"]


def test_a_record_line_gives_employer_and_title_when_no_org_is_tagged(zh_nlp) -> None:
    """ "DATES EMPLOYER TITLE" with brand names the model does not tag: the fields are read by
    their place; a sentence after the range is not a record."""
    text = (
        "工作经历\n"
        "2019.01-至今 京东 HR Business Partner\n"
        "2016.03-2018.12 IBM中国 产品经理\n"
        "2014.07-2016.02 在腾讯做运营，负责社群\n"
        "2012.07-2014.06  北京星辰科技有限公司  销售经理\n"
    )
    items, _, _ = extract_experience(text, parse_resume(text, zh_nlp=zh_nlp).entities, TODAY)
    assert [(i.employer, i.title) for i in items] == [
        ("京东", "HR Business Partner"),
        ("IBM中国", "产品经理"),
        (None, None),  # a sentence: neither field is guessed
        ("北京星辰科技有限公司", "销售经理"),  # the model's entities win
    ]
