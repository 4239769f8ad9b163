"""The BMES reader: sentences and spans, and errors that say which file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.scoring.ner.bmes import BmesError, read_bmes, to_docbin

SAMPLE = """高 B-NAME
勇 E-NAME
： O
中 B-CONT
国 M-CONT
籍 E-CONT

汉 B-RACE
族 E-RACE
， O
硕 S-EDU

"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sample.char.bmes"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_sentences_and_character_spans(tmp_path: Path) -> None:
    data = read_bmes(write(tmp_path, SAMPLE))
    assert [s.text for s in data.sentences] == ["高勇：中国籍", "汉族，硕"]
    assert data.sentences[0].spans == [(0, 2, "NAME"), (3, 6, "CONT")]
    assert data.sentences[1].spans == [(0, 2, "RACE"), (3, 4, "EDU")]
    assert data.sentences[1].line == 8
    assert data.repairs == []


def test_last_sentence_without_trailing_blank_line(tmp_path: Path) -> None:
    data = read_bmes(write(tmp_path, "张 B-NAME\n三 E-NAME"))
    assert data.sentences[0].spans == [(0, 2, "NAME")]


def test_docbin_has_one_token_per_character(tmp_path: Path) -> None:
    from spacy.vocab import Vocab

    vocab = Vocab()
    docs = list(to_docbin(read_bmes(write(tmp_path, SAMPLE)).sentences).get_docs(vocab))
    assert [len(d) for d in docs] == [6, 4]
    assert [(e.start_char, e.end_char, e.label_) for e in docs[0].ents] == [
        (0, 2, "NAME"),
        (3, 6, "CONT"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("高 B-NAME\n勇E-NAME\n\n", 2, "expected 'CHAR TAG'"),
        ("高 B-NAME\n勇 X-NAME\n\n", 2, "bad tag 'X-NAME'"),
        ("高 O\n勇 E-NAME\n\n", 2, "E-NAME without a preceding B-NAME"),
        ("高 B-NAME\n勇 E-ORG\n\n", 2, "E-ORG inside a NAME entity"),
        ("高 B-NAME\n勇 O\n\n", 2, "NAME entity not closed"),
        ("高 O\n\n高 B-NAME\n勇 M-NAME\n\n", 5, "sentence ends inside a NAME entity"),
        ("高 O\n\n勇 M-NAME\n勇 E-NAME\n\n", 3, "sentence starts inside a NAME entity"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(BmesError, match=message) as info:
        read_bmes(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_repair_closes_entities_cut_by_a_sentence_break(tmp_path: Path) -> None:
    path = write(tmp_path, "在 O\n北 B-ORG\n京 M-ORG\n\n大 M-ORG\n学 E-ORG\n\n")
    data = read_bmes(path, repair=True)
    assert [s.spans for s in data.sentences] == [[(1, 3, "ORG")], [(0, 2, "ORG")]]
    assert len(data.repairs) == 2
    assert f"{path}:4:" in data.repairs[0]
    with pytest.raises(BmesError):
        read_bmes(write(tmp_path, "高 B-NAME\n勇 O\n\n"), repair=True)
