"""Column lineage read off mapping files, and the OpenLineage datasets the tasks emit from it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.serde import Serde

from connectors._core.errors import ConfigError
from hrhub.flow.lineage import (
    OperationRecorder,
    extract_lineage,
    openlineage_datasets,
    push_lineage,
)
from hrhub.mapping import Mapping, load_mapping
from hrhub.mapping.engine import REPO_ROOT
from hrhub.mapping.lineage import (
    CANONICAL_NAMESPACE,
    COLUMN_LINEAGE_SCHEMA_URL,
    MASKING_TRANSFORMS,
    ColumnLineage,
    DatasetRef,
    column_lineage,
)

Writer = Callable[..., Path]
COPY = {"type": "DIRECT", "subtype": "IDENTITY", "description": "copy", "masking": False}


def transformed(description: str, *, masking: bool = False) -> dict[str, Any]:
    return {
        "type": "DIRECT",
        "subtype": "TRANSFORMATION",
        "description": description,
        "masking": masking,
    }


def inputs(facet: dict[str, Any], target: str) -> list[tuple[str, str, str, list[dict]]]:
    return [
        (i["namespace"], i["name"], i["field"], i["transformations"])
        for i in facet["fields"][target]["inputFields"]
    ]


# --- a mapping's column lineage ------------------------------------------------------------


def test_an_in_mapping_reads_the_systems_stream_and_writes_the_canonical_entity() -> None:
    lineage = column_lineage(load_mapping("successfactors", "candidate", "in"))
    assert lineage.source == DatasetRef("hrhub://successfactors", "candidate")
    assert lineage.target == DatasetRef(CANONICAL_NAMESPACE, "candidate")
    assert lineage.mapping_file == "mappings/successfactors/candidate.in.yaml"
    assert lineage.mapping_version.startswith("sha256:")

    facet = lineage.to_facet_dict()
    assert facet["_schemaURL"] == COLUMN_LINEAGE_SCHEMA_URL
    sf = ("hrhub://successfactors", "candidate")
    assert inputs(facet, "given_name") == [(*sf, "firstName", [COPY])]
    assert inputs(facet, "modified_at") == [
        (*sf, "lastModifiedDateTime", [transformed("sf_date()")])
    ]
    # Several sources: each an input of its own, with the transform and its parameters.
    assert inputs(facet, "location") == [
        (*sf, "city", [transformed('concat(sep=", ")')]),
        (*sf, "country", [transformed('concat(sep=", ")')]),
    ]
    assert [field for *_, field, _ in inputs(facet, "name")] == ["firstName", "lastName"]
    # A constant has no input, and still appears: the target has that column.
    assert facet["fields"]["source_system"] == {"inputFields": []}
    assert list(facet["fields"]) == list(lineage.target_fields)


def test_an_out_mapping_reads_the_canonical_entity_and_writes_the_operation() -> None:
    mapping = load_mapping("yonyou", "bip_checkin", "out")
    lineage = column_lineage(mapping, canonical_entity="attendance_event")
    assert lineage.source == DatasetRef(CANONICAL_NAMESPACE, "attendance_event")
    assert lineage.target == DatasetRef("hrhub://yonyou", "bip_checkin")
    facet = lineage.to_facet_dict()
    event = (CANONICAL_NAMESPACE, "attendance_event")
    assert inputs(facet, "staffCode") == [(*event, "person_code", [COPY])]
    assert inputs(facet, "code") == [
        (*event, "canonical_id", [transformed("hash()", masking=True)])
    ]
    assert inputs(facet, "signType") == [
        (*event, "direction", [transformed('enum(map={"in": "1", "out": "2"})')])
    ]
    assert lineage.field("code").masked
    assert not lineage.field("signTime").masked
    # Without the manifest's word, the canonical side is named after the mapping's entity.
    assert column_lineage(mapping).source == DatasetRef(CANONICAL_NAMESPACE, "bip_checkin")


def test_a_stream_with_its_own_mapping_name_is_the_source_dataset() -> None:
    lineage = column_lineage(load_mapping("yonyou", "employee", "in", name="nc_persons"))
    assert lineage.source == DatasetRef("hrhub://yonyou", "nc_persons")
    assert lineage.target == DatasetRef(CANONICAL_NAMESPACE, "employee")


def test_mask_and_hash_are_masking_and_a_salt_stays_out_of_the_description(
    write_mapping: Writer,
) -> None:
    mapping = Mapping.load(
        write_mapping(
            """\
            fields:
              phone_tail: {from: phone, transform: {name: mask, keep: 4}, personal_data: true}
              person_key: {from: id_number, transform: {name: hash, salt: s3cr3t-ish}}
              phone: {from: phone, transform: cn_mobile, personal_data: true}
              terminal: device.sn
            """
        )
    )
    facet = column_lineage(mapping).to_facet_dict()
    ((*_, field, (mask,)),) = inputs(facet, "phone_tail")
    assert (field, mask) == ("phone", transformed("mask(keep=4)", masking=True))
    ((*_, field, (hashed,)),) = inputs(facet, "person_key")
    assert (field, hashed) == ("id_number", transformed("hash()", masking=True))
    assert "s3cr3t" not in str(facet)
    # Personal data converted but still readable is a transformation, not masking.
    ((*_, (mobile,)),) = inputs(facet, "phone")
    assert mobile == transformed("cn_mobile()")
    # A nested source path is the input field as written.
    assert [f for *_, f, _ in inputs(facet, "terminal")] == ["device.sn"]
    assert {"mask", "hash"} == MASKING_TRANSFORMS


def test_a_condition_adds_its_paths_as_indirect_conditional_inputs(write_mapping: Writer) -> None:
    mapping = Mapping.load(
        write_mapping(
            """\
            fields:
              badge:
                from: badge_no
                when: {path: source, equals: device}
              direction:
                from: direction
                transform: {name: enum, map: {"0": in, "1": out}}
                when: [{path: direction, in: ["0", "1"]}, {path: person, present: true}]
            """
        )
    )
    facet = column_lineage(mapping).to_facet_dict()
    conditional = {"type": "INDIRECT", "subtype": "CONDITIONAL", "masking": False}
    (badge, source) = inputs(facet, "badge")
    assert badge[2:] == ("badge_no", [COPY])
    assert source[2] == "source"
    assert source[3] == [{**conditional, "description": "when source == 'device'"}]
    # A path that is the value's source and tested too carries both transformations, once.
    direction, person = inputs(facet, "direction")
    assert direction[2] == "direction"
    assert [(t["type"], t["subtype"]) for t in direction[3]] == [
        ("DIRECT", "TRANSFORMATION"),
        ("INDIRECT", "CONDITIONAL"),
    ]
    assert person[2:] == ("person", [{**conditional, "description": "when person is present"}])


def test_unknown_target_field_names_the_fields_there_are() -> None:
    lineage = column_lineage(load_mapping("yonyou", "nc_checkin", "out"))
    with pytest.raises(KeyError, match=r"nc_checkin.out.yaml has no target field 'nope'.*psncode"):
        lineage.field("nope")


@pytest.mark.parametrize(
    "path",
    sorted((REPO_ROOT / "mappings").glob("*/*.yaml")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_shipped_mapping_has_a_lineage_for_every_field(path: Path) -> None:
    mapping = Mapping.load(path)
    facet = column_lineage(mapping).to_facet_dict()
    assert list(facet["fields"]) == [rule.target for rule in mapping.fields]
    for rule in mapping.fields:
        found = facet["fields"][rule.target]["inputFields"]
        sources = rule.source if isinstance(rule.source, tuple) else (rule.source,)
        assert [i["field"] for i in found][: len(sources) if rule.source else 0] == [
            s for s in sources if s
        ]
        direct = [t for i in found for t in i["transformations"] if t["type"] == "DIRECT"]
        assert all(t["masking"] == (rule.transform in MASKING_TRANSFORMS) for t in direct)
        assert all(
            t["subtype"] == ("IDENTITY" if rule.transform is None else "TRANSFORMATION")
            for t in direct
        )


def test_the_pure_module_loads_neither_airflow_nor_openlineage() -> None:
    code = (
        "import sys, hrhub.mapping.lineage; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'airflow', 'connectors', 'openlineage'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


# --- the datasets a task emits -------------------------------------------------------------


def as_json(dataset: Any) -> dict[str, Any]:
    return Serde.to_dict(dataset)


def test_the_openlineage_client_serializes_the_facet_exactly_as_to_facet_dict() -> None:
    lineage = push_lineage("yonyou", "bip_checkin")
    _, (output,) = openlineage_datasets([lineage])
    emitted = as_json(output)["facets"]["columnLineage"]
    expected = lineage.to_facet_dict(producer=emitted["_producer"])
    assert emitted == {**expected, "dataset": []}  # the client adds the dataset-wide list
    assert emitted["_schemaURL"] == COLUMN_LINEAGE_SCHEMA_URL


def test_extract_datasets_carry_schemas_documentation_and_column_lineage() -> None:
    lineage = extract_lineage("successfactors", "Candidate")
    (source,), (target,) = ([as_json(d) for d in side] for side in openlineage_datasets([lineage]))
    assert (source["namespace"], source["name"]) == ("hrhub://successfactors", "candidate")
    assert (target["namespace"], target["name"]) == (CANONICAL_NAMESPACE, "candidate")
    read = [f["name"] for f in source["facets"]["schema"]["fields"]]
    assert read == list(lineage.source_fields)
    assert len(read) == len(set(read))
    assert {"firstName", "lastModifiedDateTime"} <= set(read)
    written = [f["name"] for f in target["facets"]["schema"]["fields"]]
    assert written == list(lineage.target_fields)
    documentation = target["facets"]["documentation"]["description"]
    assert documentation.startswith(
        f"Written through mappings/successfactors/candidate.in.yaml ({lineage.mapping_version})"
    )


def test_operations_reading_one_canonical_entity_share_one_input_dataset() -> None:
    lineages = [push_lineage("yonyou", "nc_checkin"), push_lineage("yonyou", "bip_checkin")]
    ins, outs = openlineage_datasets(lineages)
    (source,) = [as_json(d) for d in ins]
    assert (source["namespace"], source["name"]) == (CANONICAL_NAMESPACE, "attendance_event")
    read = [f["name"] for f in source["facets"]["schema"]["fields"]]
    assert set(read) == set(lineages[0].source_fields) | set(lineages[1].source_fields)
    assert [as_json(d)["name"] for d in outs] == ["nc_checkin", "bip_checkin"]


def test_lineage_of_an_unknown_stream_or_operation_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="no stream 'Nope'"):
        extract_lineage("successfactors", "Nope")
    with pytest.raises(ConfigError, match="nope"):
        push_lineage("yonyou", "nope")


class FakeClient:
    """Stands in for a connector client: the recorder's job is only to watch it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.flavor = "bip"

    def write(self, operation: str, payloads: list[dict[str, Any]]) -> list[str]:
        self.calls.append((operation, len(payloads)))
        return [f"ok-{i}" for i, _ in enumerate(payloads)]


def test_the_recorder_notes_each_operation_written_once_in_order() -> None:
    client = FakeClient()
    sent = OperationRecorder()
    wrapped = sent.wrap(client)
    assert wrapped.write("bip_checkin", [{}, {}]) == ["ok-0", "ok-1"]
    wrapped.write("bip_staff_update", [{}])
    wrapped.write("bip_checkin", [{}])
    assert sent.operations == ["bip_checkin", "bip_staff_update"]
    assert client.calls == [("bip_checkin", 2), ("bip_staff_update", 1), ("bip_checkin", 1)]
    assert wrapped.flavor == "bip"  # everything else is the client's own


def test_column_lineage_is_plain_frozen_data() -> None:
    lineage = column_lineage(load_mapping("yonyou", "nc_checkin", "out"))
    assert isinstance(lineage, ColumnLineage)
    assert column_lineage(load_mapping("yonyou", "nc_checkin", "out")) == lineage
    with pytest.raises(AttributeError):
        lineage.fields = ()  # type: ignore[misc]
