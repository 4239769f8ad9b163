"""ncxml: NC's inner documents are parsed safely and built the same way on both sides."""

from __future__ import annotations

import pytest

from connectors.yonyou import ncxml

XXE_EXTERNAL = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE query [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    "<query><ts>&xxe;</ts></query>"
)
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    "<result>&lol2;</result>"
)


@pytest.mark.parametrize("text", [XXE_EXTERNAL, BILLION_LAUGHS, "<!doctype a><a/>"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_doctype_and_entities_are_refused_unread(text: str, as_bytes: bool) -> None:
    data = text.encode("utf-8") if as_bytes else text
    with pytest.raises(ncxml.UnsafeXML, match="DOCTYPE is not allowed") as caught:
        ncxml.parse(data, what="queryPsndocByTs return")
    assert "queryPsndocByTs return" in str(caught.value)
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd
    assert isinstance(caught.value, ValueError)


def test_doctype_is_refused_in_encodings_the_quick_check_cannot_read() -> None:
    data = XXE_EXTERNAL.replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    with pytest.raises(ncxml.UnsafeXML):
        ncxml.parse(data.encode("utf-16"), what="payload")


@pytest.mark.parametrize("text", ["<query><ts>", "<a></b>", "not xml at all", "", "   "])
def test_malformed_xml_names_what_was_parsed(text: str) -> None:
    with pytest.raises(ncxml.MalformedXML) as caught:
        ncxml.parse(text, what="savePsndoc return")
    assert str(caught.value).startswith("savePsndoc return: malformed XML")
    assert caught.value.detail
    assert isinstance(caught.value, ValueError)


def test_gbk_bytes_decode_by_their_declaration() -> None:
    data = '<?xml version="1.0" encoding="GBK"?><row><name>张三丰</name></row>'.encode("gbk")
    assert ncxml.parse(data, what="row").findtext("name") == "张三丰"


def test_a_str_with_a_gbk_declaration_parses() -> None:
    text = '<?xml version="1.0" encoding="GBK"?>\n<row><name>李四</name><dept>研发中心</dept></row>'
    root = ncxml.parse(text, what="row")
    assert ncxml.fields(root) == {"name": "李四", "dept": "研发中心"}


def test_a_str_with_a_bom_and_declaration_parses() -> None:
    text = '\ufeff<?xml version="1.0" encoding="UTF-8"?><a>王</a>'
    assert ncxml.parse(text, what="a").text == "王"


def test_query_round_trips() -> None:
    root = ncxml.parse(ncxml.query("2026-01-02 03:04:05", 3, 200), what="query")
    assert ncxml.fields(root) == {"ts": "2026-01-02 03:04:05", "pageindex": "3", "pagesize": "200"}
    everything = ncxml.fields(ncxml.parse(ncxml.query(None, 1, 500), what="query"))
    assert everything["ts"] is None


def test_condition_round_trips() -> None:
    root = ncxml.parse(ncxml.condition("11010119900307123X", None), what="condition")
    assert ncxml.fields(root) == {"id": "11010119900307123X", "mobile": None}


def test_ufinterface_round_trips_bills_in_order() -> None:
    bills = [
        ("B1", {"name": "张三", "id": "110101199003071234", "email": None, "round": 2}),
        ("B2", {"name": "<&>\"'", "mobile": "13800000000"}),
    ]
    text = ncxml.ufinterface("psndoc", "psndoc", bills, replace=False)
    root = ncxml.parse(text, what="ufinterface")
    assert (root.get("roottag"), root.get("billtype"), root.get("replace")) == (
        "psndoc",
        "psndoc",
        "N",
    )
    assert root.get("sender") == "hrhub"
    parsed = [(b.get("id"), ncxml.fields(b.find("billhead"))) for b in root.findall("bill")]
    assert parsed == [
        ("B1", {"name": "张三", "id": "110101199003071234", "round": "2"}),  # None left out
        ("B2", {"name": "<&>\"'", "mobile": "13800000000"}),
    ]
    assert ncxml.parse(ncxml.ufinterface("x", "x", []), what="u").get("replace") == "Y"


@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_result_round_trips_with_the_declaration_nc_sends(encoding: str) -> None:
    records = [
        {"pk_psndoc": "P1", "name": "王芳", "email": ""},
        {"pk_psndoc": "P2", "name": "赵强", "email": "z@x.cn"},
    ]
    text = ncxml.result("psndoc", records, total=7, pageindex=2, pagesize=2, encoding=encoding)
    assert text.startswith(f'<?xml version="1.0" encoding="{encoding}"?>')
    total, rows = ncxml.rows(text)
    assert total == 7
    assert rows == [
        {"pk_psndoc": "P1", "name": "王芳", "email": None},  # empty element = None
        {"pk_psndoc": "P2", "name": "赵强", "email": "z@x.cn"},
    ]
    # The same string as bytes in its declared encoding decodes the same.
    assert ncxml.rows(text.encode(encoding))[1] == rows


def test_rows_refuses_a_failed_result_and_other_shapes() -> None:
    failed = ncxml.result("psndoc", [], total=0, pageindex=1, pagesize=1, code=-1, message="无权限")
    with pytest.raises(ncxml.NcResultError) as caught:
        ncxml.rows(failed)
    assert (caught.value.code, caught.value.message) == ("-1", "无权限")
    with pytest.raises(ncxml.MalformedXML, match="expected <result>"):
        ncxml.rows("<ufinterface/>")
    with pytest.raises(ncxml.MalformedXML, match="total"):
        ncxml.rows("<result><code>0</code><total>many</total></result>")
    with pytest.raises(ncxml.UnsafeXML):
        ncxml.rows(XXE_EXTERNAL)


def test_sendresults_round_trip() -> None:
    text = ncxml.sendresult(
        "psndoc",
        [
            {"bdocid": "B1", "resultcode": 1, "resultdescription": "ok", "content": "P9"},
            {"bdocid": "B2", "resultcode": -32000, "resultdescription": "billhead.id: 必填"},
        ],
        encoding="GBK",
    )
    root = ncxml.parse(text, what="sendresult")
    assert (root.get("roottag"), root.get("successful")) == ("sendresult", "N")
    assert ncxml.sendresults(text) == [
        {"bdocid": "B1", "resultcode": 1, "resultdescription": "ok", "content": "P9"},
        {
            "bdocid": "B2",
            "resultcode": -32000,
            "resultdescription": "billhead.id: 必填",
            "content": None,
        },
    ]
    good = ncxml.sendresult("x", [{"bdocid": "B", "resultcode": 1}])
    assert ncxml.parse(good, what="s").get("successful") == "Y"
    with pytest.raises(ncxml.MalformedXML, match="resultcode"):
        ncxml.sendresults(
            "<ufinterface><sendresult><resultcode>x</resultcode></sendresult></ufinterface>"
        )
