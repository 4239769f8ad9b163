"""Every entity set and property the connector and the mappings use exists in SAP's published
EDMX with the same name and type (sets with no public EDMX: in the project's own model).
A mapping that reads through a navigation reads one the stream expands, and properties of
the navigation's target.
"""

from __future__ import annotations

import pytest

from connectors._core.registry import get_connector
from connectors.successfactors.edm import ENTITY_SETS
from hrhub.mapping import load_mapping
from hrhub.mapping.engine import mapping_path

SPEC = get_connector("successfactors")
STREAM_SETS = {stream.entity: stream.name for stream in SPEC.streams}
# Payload fields that are hub-side on purpose: the client turns them into real properties.
RESOLVED_BY_CLIENT = {
    ("application_status", "appStatusName"): "appStatusSetItemId",
    ("interview_assessment", "interviewSource"): "interviewRefId",
}


def sap_type(sap, set_name: str, prop: str) -> str | None:
    entity_type = sap.types.get(set_name)
    if entity_type is None or prop not in entity_type.props:
        return None
    return entity_type.props[prop]["Type"]


def assert_property(sap, set_name: str, prop: str, used_by: str) -> None:
    definition = ENTITY_SETS[set_name]
    assert definition.has_prop(prop), f"{used_by}: {set_name}.{prop} is not in the model"
    if definition.documented:
        ours = definition.prop(prop).edm_type
        theirs = sap_type(sap, set_name, prop)
        assert theirs is not None, f"{used_by}: {set_name}.{prop} is not in SAP's EDMX"
        assert theirs == ours, f"{used_by}: {set_name}.{prop} is {theirs} in SAP's EDMX"


def sources(rule) -> list[str]:
    paths = rule.source if isinstance(rule.source, list | tuple) else [rule.source]
    return [p for p in paths if p]


def assert_source(sap, stream, rule, path: str, used_by: str) -> None:
    """A property of the stream's set, or one reached through a navigation the stream expands
    (an expanded to-many navigation is ``{"results": [...]}``; ``pluck`` names the property)."""
    head, _, rest = path.partition(".")
    definition = ENTITY_SETS[stream.name]
    if not definition.has_nav(head):
        assert_property(sap, stream.name, head, used_by)
        return
    nav = definition.nav(head)
    assert head in stream.expand, f"{used_by}: reads {path} but the read does not expand {head}"
    steps = [p for p in rest.split(".") if p and not p.isdigit()]
    if nav.many:
        assert steps[:1] == ["results"], f"{used_by}: {path} skips the to-many 'results' list"
        steps = steps[1:]
    props = steps[:1] + ([rule.params["key"]] if rule.transform == "pluck" else [])
    assert props, f"{used_by}: {path} reads no property of {nav.target}"
    for prop in props:
        assert_property(sap, nav.target, prop, used_by)


@pytest.mark.parametrize("entity", sorted(STREAM_SETS))
def test_inbound_mappings_read_only_sap_properties(sap, entity: str) -> None:
    stream = SPEC.stream(STREAM_SETS[entity])
    mapping = load_mapping("successfactors", entity, "in")
    used = [(rule, path) for rule in mapping.fields for path in sources(rule)]
    assert used, f"{mapping.file} reads nothing"
    for rule, path in used:
        assert_source(sap, stream, rule, path, mapping.file)


@pytest.mark.parametrize("operation", [op["name"] for op in SPEC.manifest["operations"]])
def test_outbound_mappings_write_only_sap_properties(sap, operation: str) -> None:
    op = SPEC.operation(operation)
    mapping = load_mapping("successfactors", operation, "out")
    for rule in mapping.fields:
        target = rule.target.split(".")[0]
        prop = RESOLVED_BY_CLIENT.get((operation, target), target)
        assert_property(sap, op["target"], prop, mapping.file)
        definition = ENTITY_SETS[op["target"]]
        flags = definition.prop(prop)
        assert flags.upsertable or prop in definition.key, (
            f"{mapping.file}: {op['target']}.{prop} is not upsertable"
        )


def test_streams_and_operations_name_real_keys_and_cursors(sap) -> None:
    for stream in SPEC.streams:
        assert_property(sap, stream.name, stream.primary_key, "connector.yaml")
        assert_property(sap, stream.name, stream.cursor_field, "connector.yaml")
    for op in SPEC.manifest["operations"]:
        definition = ENTITY_SETS[op["target"]]
        assert definition.upsertable, f"{op['target']} is not upsertable in SAP's metadata"
        for prop in [op.get("key"), *op.get("match_on", [])]:
            if prop:
                assert_property(sap, op["target"], prop, "connector.yaml")


def test_every_successfactors_mapping_file_is_covered() -> None:
    folder = mapping_path("successfactors", "job", "in").parent
    covered = {f"{e}.in.yaml" for e in STREAM_SETS} | {
        f"{op['name']}.out.yaml" for op in SPEC.manifest["operations"]
    }
    assert {p.name for p in folder.glob("*.yaml")} == covered
