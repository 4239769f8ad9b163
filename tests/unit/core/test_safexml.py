"""The hardened XML parser: entities and DTDs stay unresolved, and options cannot loosen it."""

from __future__ import annotations

import pytest
from lxml import etree

from connectors._core.safexml import safe_parser


def test_an_external_entity_is_never_resolved(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-4711", encoding="utf-8")
    xml = (f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>').encode()
    root = etree.fromstring(xml, parser=safe_parser())
    assert "TOP-SECRET-4711" not in etree.tostring(root, encoding="unicode")


def test_options_add_but_never_loosen() -> None:
    parser = safe_parser(remove_comments=True)
    root = etree.fromstring(b"<r><!-- note --><a/></r>", parser=parser)
    assert [child.tag for child in root] == ["a"]
    with pytest.raises(ValueError, match="resolve_entities"):
        safe_parser(resolve_entities=True)
