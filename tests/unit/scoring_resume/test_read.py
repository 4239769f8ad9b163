"""read_resume: encodings, bad input with a reason, language by script share."""

from __future__ import annotations

import os

import pytest

from hrhub.scoring.resume import Unparseable, read_resume

from .conftest import EN_RESUME, ZH_RESUME


def reason_of(data, **kwargs) -> str:
    with pytest.raises(Unparseable) as caught:
        read_resume(data, **kwargs)
    assert caught.value.reason, "every Unparseable carries a reason"
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def test_utf8_bytes_and_str() -> None:
    from_bytes = read_resume(ZH_RESUME.encode("utf-8"))
    assert (from_bytes.text, from_bytes.language, from_bytes.encoding) == (ZH_RESUME, "zh", "utf-8")
    assert read_resume(EN_RESUME).language == "en"
    assert read_resume(EN_RESUME).encoding == "str"


def test_utf8_bom_is_dropped() -> None:
    resume = read_resume(b"\xef\xbb\xbf" + ZH_RESUME.encode("utf-8"))
    assert resume.text == ZH_RESUME
    assert resume.encoding == "utf-8-sig"


def test_gbk_bytes_of_a_chinese_resume() -> None:
    resume = read_resume(ZH_RESUME.encode("gbk"))
    assert resume.text == ZH_RESUME
    assert resume.language == "zh"
    assert resume.encoding == "gb18030"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(codec: str) -> None:
    assert read_resume(EN_RESUME.encode(codec)).text == EN_RESUME
    if codec == "utf-16":  # a BOM lets Chinese UTF-16 through too
        assert read_resume(ZH_RESUME.encode(codec)).text == ZH_RESUME


def test_crlf_fullwidth_and_ideographic_space_are_normalised() -> None:
    resume = read_resume("张伟\r\n邮箱：ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ\u3000电话１３８\r\n")
    assert resume.text == "张伟\n邮箱：zhang@example.com 电话138\n"  # CJK colon kept


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"PK\x03\x04\x14\x00\x06\x00",  # .docx is a zip
        bytes(range(256)) * 20,
        b"\x00" * 50 + b"abc",
        "text with\x00\x01\x02\x03\x04\x05\x06 controls\x07\x08" * 3,
    ],
    ids=["png", "pdf", "docx", "all-bytes", "nul-heavy", "control-heavy-str"],
)
def test_binary_input(data) -> None:
    assert reason_of(data) == "binary file"


def test_random_bytes_are_binary() -> None:
    import random

    noise = random.Random(7).randbytes(4096)
    assert reason_of(noise) == "binary file"


@pytest.mark.parametrize("data", [b"", "", b"   \n\t \r\n", "\u3000 \n", b"\xef\xbb\xbf"])
def test_empty(data) -> None:
    assert reason_of(data) == "empty"


def test_too_large() -> None:
    assert reason_of(b"a" * 2_000_001) == "too large: 2 MB > 2 MB"
    assert reason_of("简历" * 100, max_bytes=500) == "too large: 600 bytes > 500 bytes"
    assert reason_of(b"x" * 5_200_000, max_bytes=2_000_000) == "too large: 5.2 MB > 2 MB"


def test_undecodable_bytes() -> None:
    # Latin-1 "é" followed by a byte GB18030 cannot pair with: neither UTF-8 nor GB18030.
    assert reason_of("Résumé: café\n".encode("latin-1") + b"\xff\xfe\xfd") == "undecodable bytes"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Иван Петров\nИнженер-программист, опыт работы 5 лет в Москве", "ru"),
        ("محمد أحمد\nمهندس برمجيات في دبي منذ خمس سنوات", "ar"),
        ("김민수\n소프트웨어 엔지니어 서울", "ko"),
    ],
)
def test_unsupported_language(text: str, language: str) -> None:
    assert reason_of(text) == f"unsupported language: {language}"
    assert reason_of(text.encode("utf-8")) == f"unsupported language: {language}"


def test_no_letters_at_all() -> None:
    assert reason_of("2015-2018\n+86 138 0000 0000\n") == "no readable text"


def test_mixed_chinese_resume_with_english_terms_is_chinese() -> None:
    text = "熟悉Python、Java、SQL、Spark、Hadoop、Kafka，负责数据平台开发\nEmail: a@b.com"
    assert read_resume(text).language == "zh"
    text = "Senior engineer at Acme Inc in Shanghai (上海), fluent in English and 中文"
    assert read_resume(text).language == "en"
