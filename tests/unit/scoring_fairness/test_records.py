"""Reading the results CSV: categories, outcomes, scores; bad cells name line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.scoring.fairness import CsvInputError, audit, read_results

HEADER = "candidate_id,sex,ethnicity,selected,score\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "results.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_values_are_read_and_unknowns_recognised(tmp_path: Path) -> None:
    text = HEADER + (
        "c1,Female,Han,true,70\n"
        "c2, female ,Han,0,55.5\n"
        "c3,,Hui,YES,80\n"
        "c4,Unknown,unknown,否,40\n"
        "c5,Male,未知,1,90\n"
        "c6,男,不详,是,10\n"
    )
    rows = read_results(write(tmp_path, text))
    assert [row.line for row in rows] == [2, 3, 4, 5, 6, 7]
    assert [row.sex for row in rows] == ["Female", "female", None, None, "Male", "男"]
    assert [row.ethnicity for row in rows] == ["Han", "Han", "Hui", None, None, None]
    assert [row.selected for row in rows] == [True, False, True, False, True, True]
    assert rows[1].score == 55.5
    result = audit(rows)
    # "female" and "Female" are one category, labelled as first seen
    assert [c.label for c in result.table("sex").categories] == ["Female", "Male", "男"]
    assert result.table("sex").categories[0].count == 2
    assert (result.table("sex").unknown, result.table("ethnicity").unknown) == (2, 3)


def test_the_score_column_is_optional(tmp_path: Path) -> None:
    rows = read_results(write(tmp_path, "candidate_id,sex,ethnicity,selected\nc1,F,A,true\n"))
    assert rows[0].score is None


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        ("candidate_id,sex,selected\nc1,F,true\n", 1, "ethnicity", "missing column"),
        ("candidate_id,ethnicity,sex\nc1,A,F\n", 1, "selected", "missing column"),
        (HEADER + "c1,F,A,true,70\nc2,M,A,maybe,60\n", 3, "selected", "got 'maybe'"),
        (HEADER + "c1,F,A,,70\n", 2, "selected", "expected true/false"),
        (HEADER + "c1,F,A,true,70\nc2,M,A,false,\n", 3, "score", "every row needs a 0-100"),
        (HEADER + "c1,F,A,true,101\n", 2, "score", "outside 0-100"),
        (HEADER + "c1,F,A,true,high\n", 2, "score", "not a number: 'high'"),
        (
            HEADER + "c1,F,A,true,70\nc1,M,A,false,60\n",
            3,
            "candidate_id",
            "already appears on line 2",
        ),
        (HEADER + ",F,A,true,70\n", 2, "candidate_id", "empty cell"),
    ],
)
def test_bad_cells_name_line_and_column(
    tmp_path: Path, text: str, line: int, column: str, phrase: str
) -> None:
    with pytest.raises(CsvInputError) as caught:
        read_results(write(tmp_path, text))
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"results.csv line {line}, column '{column}': ")
    assert phrase in str(caught.value)


def test_a_short_row_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(CsvInputError, match=r"results.csv line 3: 4 cells .*'score'"):
        read_results(write(tmp_path, HEADER + "c1,F,A,true,70\nc2,M,A,true\n"))
