"""Reading ratings and weights: every bad input names the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.scoring.calibration import (
    CsvInputError,
    WeightsFileError,
    calibrate,
    dump_weights,
    load_weights,
    parse_scale,
    read_ratings,
)

HEADER = "interview_id,communication,leadership,human_rating\n"
GOOD = "iv-1,80,70,4\niv-2,40,55,2\niv-3,65,60,3\n"


def write(tmp_path: Path, text: str | bytes, name: str = "ratings.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_reads_with_lines_and_competencies_in_order(tmp_path: Path) -> None:
    rows = read_ratings(write(tmp_path, "\ufeff" + HEADER + GOOD + ",,,\n\n"))
    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[0].interview_id == "iv-1" and rows[0].human_rating == 4
    assert list(rows[0].scores) == ["communication", "leadership"]
    assert rows[1].scores == {"communication": 40.0, "leadership": 55.0}


@pytest.mark.parametrize(
    ("text", "line", "column", "phrase"),
    [
        ("interview_id,communication\niv-1,80\n", 1, "human_rating", "missing column"),
        ("human_rating,communication\n4,80\n", 1, "interview_id", "missing column"),
        (HEADER + "iv-1,80,abc,4\n", 2, "leadership", "not a number: 'abc'"),
        (HEADER + GOOD + "iv-4,80,,4\n", 5, "leadership", "empty cell"),
        (HEADER + "iv-1,80,70,6\n", 2, "human_rating", "off the 1-5 scale"),
        (HEADER + "iv-1,80,70,0\n", 2, "human_rating", "off the 1-5 scale"),
        (HEADER + "iv-1,80,70,3.5\n", 2, "human_rating", "not a whole number"),
        (HEADER + "iv-1,80,70,four\n", 2, "human_rating", "not a number"),
        (HEADER + "iv-1,120,70,4\n", 2, "communication", "outside 0-100"),
        (HEADER + "iv-1,nan,70,4\n", 2, "communication", "not a finite number"),
        (HEADER + GOOD + "iv-2,50,50,3\n", 5, "interview_id", "already appears on line 3"),
        (HEADER + ",50,50,3\n", 2, "interview_id", "empty cell"),
        (HEADER + 'iv-1,"80\n",70,4\niv-2,x,70,4\n', 4, "communication", "not a number"),
    ],
)
def test_bad_cells_name_line_and_column(
    tmp_path: Path, text: str, line: int, column: str, phrase: str
) -> None:
    with pytest.raises(CsvInputError) as caught:
        read_ratings(write(tmp_path, text))
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert phrase in str(error)
    assert str(error).startswith(f"ratings.csv line {line}, column '{column}': ")


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("", 1, "the file is empty"),
        (HEADER, 2, "no data rows"),
        ("interview_id,human_rating\niv-1,3\n", 1, "no competency columns"),
        ("interview_id,communication,communication,human_rating\n", 1, "appears twice"),
        (HEADER + "iv-1,80,70\n", 2, "no value for 'human_rating'"),
        (HEADER + GOOD + "iv-9,80,70,4,extra\n", 5, "5 cells but the header has 4"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, text: str, line: int, phrase: str) -> None:
    with pytest.raises(CsvInputError) as caught:
        read_ratings(write(tmp_path, text))
    assert caught.value.line == line and phrase in str(caught.value)


def test_a_custom_scale_accepts_its_own_range(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "iv-1,80,70,9\n")
    assert read_ratings(path, scale=(1, 10))[0].human_rating == 9
    with pytest.raises(CsvInputError, match="off the 1-5 scale"):
        read_ratings(path)


def test_gbk_text_from_a_chinese_excel_reads_and_binary_is_refused(tmp_path: Path) -> None:
    text = HEADER + "面试-1,80,70,4\n"
    rows = read_ratings(write(tmp_path, text.encode("gbk")))
    assert rows[0].interview_id == "面试-1"
    with pytest.raises(CsvInputError) as caught:
        read_ratings(write(tmp_path, (HEADER + "iv-1,80,70,4\n").encode() + b"iv-2,\xff\xfe,1,1\n"))
    assert caught.value.line == 3 and "not UTF-8 or GB18030" in str(caught.value)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(CsvInputError, match="cannot read the file"):
        read_ratings(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("text", "expected"), [("1-5", (1, 5)), (" 0-4 ", (0, 4)), ("１-７", (1, 7))]
)
def test_parse_scale(text: str, expected: tuple[int, int]) -> None:
    assert parse_scale(text) == expected


@pytest.mark.parametrize("text", ["5-1", "3-3", "1to5", "a-b", "1-5-7", ""])
def test_parse_scale_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_scale(text)


def test_dumped_weights_load_back(tmp_path: Path) -> None:
    rows = read_ratings(write(tmp_path, HEADER + GOOD + "iv-4,90,50,5\niv-5,20,65,1\n"))
    report = calibrate(rows, folds=2)
    path = write(tmp_path, dump_weights(report, source="ratings.csv"), "weights.yaml")
    assert load_weights(path) == report.weights
    assert path.read_text().startswith("# Competency weights in percent")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("communication: 50\nleadership: high\n", "line 2, competency 'leadership': weight must"),
        ("communication: 50\nleadership: -5\n", "line 2, competency 'leadership'"),
        ("communication: 50\ncommunication: 20\n", "line 2: competency 'communication' appears"),
        ("communication: yes\n", "line 1, competency 'communication'"),
        ("- communication\n", "expected a mapping"),
        ("communication: 0\n", "must not all be 0"),
        ("communication: [50\n", "not valid YAML"),
    ],
)
def test_bad_weights_files_name_line_and_competency(tmp_path: Path, text: str, phrase: str) -> None:
    with pytest.raises(WeightsFileError) as caught:
        load_weights(write(tmp_path, text, "weights.yaml"))
    assert str(caught.value).startswith("weights.yaml")
    assert phrase in str(caught.value)
