"""Column lineage of a mapping file, in the shape of OpenLineage's column lineage facet.

Auditors ask where a field in SuccessFactors or the eHR came from and what was done to it on
the way. The mapping file already says so; this module reads it off a loaded ``Mapping`` as
plain data: for each target field its input fields (the source paths) and how each input is
used, typed as the facet's spec (1-2-0) types transformations:

- a plain copy is ``DIRECT`` / ``IDENTITY``;
- a named transform is ``DIRECT`` / ``TRANSFORMATION``, with ``masking: true`` when the
  transform hides the value (``mask``, ``hash``), so a catalog can tell a pseudonym from data;
- a field written only when a condition holds (``when``) also lists the paths the condition
  tests, as ``INDIRECT`` / ``CONDITIONAL``;
- a default with no source (a constant) has no input at all.

Datasets are named ``hrhub://<system>`` / ``<stream or operation>`` on the system's side and
``hrhub://canonical`` / ``<entity>`` on the hub's. Pure: no Airflow, no OpenLineage client; the
Airflow task glue (``hrhub.flow.lineage``) turns this into events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingType
from dataclasses import dataclass
from typing import Any

from hrhub.mapping.engine import FieldRule, Mapping

__all__ = [
    "CANONICAL_NAMESPACE",
    "COLUMN_LINEAGE_SCHEMA_URL",
    "MASKING_TRANSFORMS",
    "PRODUCER",
    "ColumnLineage",
    "DatasetRef",
    "FieldLineage",
    "InputField",
    "Transformation",
    "column_lineage",
    "system_namespace",
]

CANONICAL_NAMESPACE = "hrhub://canonical"
COLUMN_LINEAGE_SCHEMA_URL = (
    "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
    "#/$defs/ColumnLineageDatasetFacet"
)
PRODUCER = "https://hrhub.dev/hrhub/mapping/lineage"
# Transforms whose output reveals nothing of the input value (the spec's "masking").
MASKING_TRANSFORMS = frozenset({"mask", "hash"})
# Parameters left out of descriptions: a salt is reviewable in the mapping file, but it has no
# business in every lineage backend the events reach.
_UNDESCRIBED_PARAMS = frozenset({"salt"})


def system_namespace(system: str) -> str:
    """The dataset namespace of an external system's records."""
    return f"hrhub://{system}"


@dataclass(frozen=True, slots=True)
class DatasetRef:
    """A dataset as OpenLineage names it: namespace plus name."""

    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class Transformation:
    """How one input field is used for a target field (type DIRECT or INDIRECT, subtype)."""

    type: str
    subtype: str
    description: str
    masking: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "subtype": self.subtype,
            "description": self.description,
            "masking": self.masking,
        }


@dataclass(frozen=True, slots=True)
class InputField:
    """One source field a target field is computed from, and how."""

    dataset: DatasetRef
    field: str
    transformations: tuple[Transformation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.dataset.namespace,
            "name": self.dataset.name,
            "field": self.field,
            "transformations": [t.to_dict() for t in self.transformations],
        }


@dataclass(frozen=True, slots=True)
class FieldLineage:
    """A target field and its inputs; no inputs means a constant (a default, no source)."""

    target: str
    inputs: tuple[InputField, ...]
    line: int  # where the field is written in the mapping file, for people reading a report

    @property
    def masked(self) -> bool:
        return any(t.masking for i in self.inputs for t in i.transformations)


@dataclass(frozen=True, slots=True)
class ColumnLineage:
    """The column lineage one mapping file gives: source dataset -> target dataset."""

    source: DatasetRef
    target: DatasetRef
    fields: tuple[FieldLineage, ...]
    mapping_file: str
    mapping_version: str
    description: str | None = None

    def field(self, target: str) -> FieldLineage:
        """The lineage of one target field; KeyError names the fields there are."""
        for entry in self.fields:
            if entry.target == target:
                return entry
        known = ", ".join(entry.target for entry in self.fields)
        raise KeyError(f"{self.mapping_file} has no target field {target!r} (fields: {known})")

    @property
    def source_fields(self) -> tuple[str, ...]:
        """Every source path the mapping reads, in file order, each once."""
        seen: dict[str, None] = {}
        for entry in self.fields:
            for item in entry.inputs:
                seen.setdefault(item.field, None)
        return tuple(seen)

    @property
    def target_fields(self) -> tuple[str, ...]:
        return tuple(entry.target for entry in self.fields)

    def to_facet_dict(self, producer: str = PRODUCER) -> dict[str, Any]:
        """The ``columnLineage`` facet of the target dataset, as OpenLineage JSON."""
        return {
            "_producer": producer,
            "_schemaURL": COLUMN_LINEAGE_SCHEMA_URL,
            "fields": {
                entry.target: {"inputFields": [item.to_dict() for item in entry.inputs]}
                for entry in self.fields
            },
        }


def column_lineage(mapping: Mapping, *, canonical_entity: str | None = None) -> ColumnLineage:
    """The column lineage of ``mapping``.

    An in-mapping reads the system's stream (named by the file: ``nc_persons.in.yaml`` reads
    stream ``nc_persons``) and writes the canonical ``entity``. An out-mapping reads a canonical
    record and writes the system's operation (its ``entity``); which canonical entity it reads
    is the connector manifest's to say, so the caller passes it as ``canonical_entity``
    (default: the mapping's entity).
    """
    stream = mapping.path.name.removesuffix(f".{mapping.direction}.yaml")
    system = DatasetRef(system_namespace(mapping.system), stream)
    if mapping.direction == "in":
        source, target = system, DatasetRef(CANONICAL_NAMESPACE, mapping.entity)
    else:
        source = DatasetRef(CANONICAL_NAMESPACE, canonical_entity or mapping.entity)
        target = system
    return ColumnLineage(
        source=source,
        target=target,
        fields=tuple(_field_lineage(rule, source) for rule in mapping.fields),
        mapping_file=mapping.file,
        mapping_version=mapping.version,
        description=mapping.description,
    )


def _field_lineage(rule: FieldRule, source: DatasetRef) -> FieldLineage:
    """Inputs in file order: the value's sources, then the paths its condition tests; a path
    that is both carries both transformations."""
    used: dict[str, list[Transformation]] = {}
    paths = rule.source if isinstance(rule.source, tuple) else (rule.source,)
    for path in filter(None, paths):
        used.setdefault(path, []).append(_transformation(rule.transform, rule.params))
    for condition in rule.when:
        used.setdefault(condition.path, []).append(
            Transformation("INDIRECT", "CONDITIONAL", f"when {condition.describe()}", False)
        )
    inputs = tuple(InputField(source, path, tuple(how)) for path, how in used.items())
    return FieldLineage(rule.target, inputs, rule.line)


def _transformation(name: str | None, params: MappingType[str, Any]) -> Transformation:
    if name is None:
        return Transformation("DIRECT", "IDENTITY", "copy", masking=False)
    return Transformation(
        "DIRECT", "TRANSFORMATION", _describe(name, params), masking=name in MASKING_TRANSFORMS
    )


def _describe(name: str, params: MappingType[str, Any]) -> str:
    """``name(key=value, ...)`` the way the mapping file states the transform."""
    shown = [f"{k}={_json(v)}" for k, v in params.items() if k not in _UNDESCRIBED_PARAMS]
    return f"{name}({', '.join(shown)})"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
