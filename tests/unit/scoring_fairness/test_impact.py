"""Impact ratios on hand-computed tables: four-fifths flags, intersections, unknowns, min share."""

from __future__ import annotations

import json

import pytest

from hrhub.scoring.fairness import AuditRow, audit, plain_summary


def people(sex: str | None, ethnicity: str | None, count: int, selected: int, prefix: str,
           scores: list[float] | None = None) -> list[AuditRow]:  # fmt: skip
    return [
        AuditRow(
            candidate_id=f"{prefix}-{i}",
            sex=sex,
            ethnicity=ethnicity,
            selected=i < selected,
            score=None if scores is None else scores[i],
        )
        for i in range(count)
    ]


def figures(result, table: str, label: str):
    return next(c for c in result.table(table).categories if c.label == label)


def test_men_40_of_100_women_24_of_100_gives_0_6_flagged() -> None:
    rows = people("Male", "A", 100, 40, "m") + people("Female", "A", 100, 24, "f")
    result = audit(rows)
    men, women = figures(result, "sex", "Male"), figures(result, "sex", "Female")
    assert (men.count, men.selected, men.selection_rate) == (100, 40, 0.4)
    assert (women.count, women.selected, women.selection_rate) == (100, 24, 0.24)
    assert men.selection_impact_ratio == 1.0 and men.flags == ()
    assert women.selection_impact_ratio == pytest.approx(0.6)
    assert women.flags == ("selection",)
    assert result.table("sex").highest_selection == "Male"
    assert [(f.table, f.category) for f in result.flags] == [
        ("sex", "Female"),
        ("intersection", "Female / A"),
    ]
    flag = result.flags[0]
    assert flag.measure == "selection" and flag.impact_ratio == pytest.approx(0.6)
    assert (flag.rate, flag.reference_category, flag.reference_rate) == (0.24, "Male", 0.4)
    assert (result.n_assessed, result.n_selected) == (200, 64)


def test_the_threshold_is_strict_and_configurable() -> None:
    rows = people("Male", "A", 100, 40, "m") + people("Female", "A", 100, 32, "f")  # ratio 0.8
    assert audit(rows).flags == ()
    assert [f.category for f in audit(rows, threshold=0.9).flags] == ["Female", "Female / A"]


def test_intersections_and_unknowns() -> None:
    rows = (
        people("Male", "Han", 50, 25, "mh")  # 0.50
        + people("Female", "Han", 50, 20, "fh")  # 0.40
        + people("Male", "Hui", 20, 6, "mu")  # 0.30
        + people("Female", "Hui", 20, 4, "fu")  # 0.20
        + people(None, "Han", 6, 3, "xh")  # sex unknown
        + people("Female", None, 4, 1, "fx")  # ethnicity unknown
    )
    result = audit(rows)
    assert result.n_assessed == 150
    assert {t.key: t.unknown for t in result.tables} == {
        "sex": 6,
        "ethnicity": 4,
        "intersection": 10,
    }
    female = figures(result, "sex", "Female")
    assert (female.count, female.selected) == (74, 25)  # 50 + 20 + 4 with unknown ethnicity
    han = figures(result, "ethnicity", "Han")
    assert (han.count, han.selected) == (106, 48)  # the unknown-sex Han candidates count here
    labels = [c.label for c in result.table("intersection").categories]
    assert labels == ["Female / Han", "Female / Hui", "Male / Han", "Male / Hui"]
    cell = figures(result, "intersection", "Female / Hui")
    assert cell.parts == ("Female", "Hui")
    assert cell.selection_rate == pytest.approx(0.2)
    assert cell.selection_impact_ratio == pytest.approx(0.4)  # 0.20 / 0.50 (Male / Han)
    assert figures(result, "intersection", "Male / Hui").selection_impact_ratio == pytest.approx(
        0.6
    )
    assert figures(result, "intersection", "Female / Han").flags == ()  # 0.8 is not below 0.8
    assert result.table("intersection").highest_selection == "Male / Han"


def test_categories_under_min_share_are_reported_but_not_compared() -> None:
    rows = (
        people("Male", "A", 60, 24, "a")  # 0.40
        + people("Male", "B", 38, 14, "b")  # 0.368
        + people("Male", "C", 1, 1, "c")  # 1% of the sample, 100% selected
        + people("Male", "D", 1, 0, "d")  # 1%, 0% selected
    )
    result = audit(rows)
    tiny, none = figures(result, "ethnicity", "C"), figures(result, "ethnicity", "D")
    for excluded in (tiny, none):
        assert excluded.excluded and excluded.selection_impact_ratio is None
        assert excluded.flags == ()
    assert (tiny.count, tiny.selection_rate, none.selection_rate) == (1, 1.0, 0.0)
    # C's 100% does not become the reference: A's 40% does
    assert result.table("ethnicity").highest_selection == "A"
    assert figures(result, "ethnicity", "B").selection_impact_ratio == pytest.approx(14 / 38 / 0.4)
    assert {c.label for _, c in result.excluded()} >= {"C", "D", "Male / C", "Male / D"}
    assert any("6 RCNY §5-301" in line and "C (n=1)" in line for line in plain_summary(result))
    # with min_share 0 every category is compared and C is the reference
    everything = audit(rows, min_share=0)
    assert everything.table("ethnicity").highest_selection == "C"
    assert figures(everything, "ethnicity", "D").flags == ("selection",)


def test_scoring_rate_counts_scores_strictly_above_the_whole_sample_median() -> None:
    # whole-sample scores 10..60 -> median 35; the unknown-sex candidate's score counts too
    rows = (
        people("Male", "A", 3, 1, "m", scores=[30.0, 40.0, 50.0])  # 2 above 35
        + people("Female", "A", 2, 1, "f", scores=[10.0, 60.0])  # 1 above
        + people(None, "A", 1, 0, "x", scores=[20.0])
    )
    result = audit(rows)
    assert result.median_score == 35.0
    men, women = figures(result, "sex", "Male"), figures(result, "sex", "Female")
    assert (men.above_median, men.scoring_rate) == (2, pytest.approx(2 / 3))
    assert (women.above_median, women.scoring_rate) == (1, 0.5)
    assert women.scoring_impact_ratio == pytest.approx(0.75)
    assert women.flags == ("scoring",)  # selection 0.5 vs 0.333: women are the reference there
    assert women.selection_impact_ratio == 1.0
    assert result.table("sex").highest_scoring == "Male"


def test_a_score_equal_to_the_median_is_not_above_it() -> None:
    rows = people("Male", "A", 5, 2, "m", scores=[1.0, 2.0, 3.0, 3.0, 5.0])
    result = audit(rows)
    assert result.median_score == 3.0
    assert figures(result, "sex", "Male").above_median == 1


def test_without_scores_there_is_no_scoring_rate() -> None:
    result = audit(people("Male", "A", 10, 5, "m"))
    male = figures(result, "sex", "Male")
    assert (result.median_score, male.scoring_rate, male.scoring_impact_ratio) == (None, None, None)
    assert not result.has_scores


def test_nobody_selected_gives_no_ratio_and_no_flag() -> None:
    rows = people("Male", "A", 10, 0, "m") + people("Female", "A", 10, 0, "f")
    result = audit(rows)
    assert all(c.selection_impact_ratio is None for c in result.table("sex").categories)
    assert result.flags == () and result.table("sex").highest_selection is None


def test_mixed_scored_and_unscored_rows_are_refused() -> None:
    rows = people("Male", "A", 2, 1, "m", scores=[50.0, 60.0]) + people("Female", "A", 1, 0, "f")
    with pytest.raises(ValueError, match="candidate 'f-0': no score"):
        audit(rows)


@pytest.mark.parametrize(
    ("option", "value"), [("threshold", 0), ("threshold", 1.5), ("min_share", 1)]
)
def test_settings_out_of_range_are_refused(option: str, value: float) -> None:
    with pytest.raises(ValueError, match=option):
        audit(people("Male", "A", 2, 1, "m"), **{option: value})


def test_the_dict_holds_the_ll144_summary_fields_in_a_fixed_order() -> None:
    rows = people("Male", "A", 100, 40, "m") + people("Female", "A", 100, 24, "f")
    data = audit(
        rows, audit_date="2026-03-01", data_source="ats export", data_period="2025"
    ).to_dict()
    assert list(data) == [
        "tool", "audit_date", "distribution_date", "data", "n_assessed", "n_selected", "unknown",
        "method", "tables", "flags", "summary",
    ]  # fmt: skip
    assert data["tool"]["name"] == "hrhub" and data["tool"]["version"]
    assert data["audit_date"] == "2026-03-01"
    assert data["data"] == {"source": "ats export", "period": "2025"}
    assert "fill in" in data["distribution_date"]
    assert list(data["tables"]) == ["sex", "ethnicity", "intersection"]
    women = data["tables"]["sex"]["categories"][0]
    assert (women["category"], women["selection_impact_ratio"], women["flags"]) == (
        "Female",
        0.6,
        ["selection"],
    )
    again = audit(rows, audit_date="2026-03-01", data_source="ats export", data_period="2025")
    assert json.dumps(again.to_dict()) == json.dumps(data)


def test_the_plain_summary_names_the_flag_and_the_unknowns() -> None:
    rows = people("Male", "A", 100, 40, "m") + people("Female", "A", 100, 24, "f")
    rows += people(None, None, 3, 0, "x")
    text = " ".join(plain_summary(audit(rows)))
    assert "Female (selection 0.60: 24.0% selected vs 40.0% for Male)" in text
    assert "3 candidates have no recorded sex" in text
    assert "not by itself proof" in text
