"""The mappings' column lineage, sent from the running Airflow task through OpenLineage.

Extract and push tasks are TaskFlow functions, which no OpenLineage extractor can see into,
and what they read and write is known only at run time (the stream of a mapped task, the
operations the outbox held). The provider's public API for that case is
``emit_dataset_lineage``: called inside the task, it emits a RUNNING event with the task's own
run id, so a lineage backend folds the datasets into the same run as START and COMPLETE.

Each dataset carries a ``schema`` facet (the fields the mapping reads or writes); the output
also carries the ``columnLineage`` facet from ``hrhub.mapping.lineage`` and a
``documentation`` facet naming the mapping file and version, which auditors ask for.

Lineage never fails a task: when the provider is missing or disabled (the default in
airflow.cfg), nothing is built; a mistake while building or emitting is logged as a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from connectors._core.registry import get_connector
from hrhub.mapping import load_mapping
from hrhub.mapping.lineage import ColumnLineage, column_lineage

log = logging.getLogger(__name__)

__all__ = [
    "OperationRecorder",
    "emit_column_lineage",
    "emit_extract_lineage",
    "emit_push_lineage",
    "extract_lineage",
    "openlineage_datasets",
    "push_lineage",
]


def extract_lineage(system: str, stream: str) -> ColumnLineage:
    """The column lineage of one extracted stream: the system's stream -> canonical entity."""
    spec = get_connector(system).stream(stream)
    return column_lineage(load_mapping(system, spec.entity, "in", name=spec.mapping_name))


def push_lineage(system: str, operation: str) -> ColumnLineage:
    """The column lineage of one pushed operation: canonical entity -> the system's operation."""
    canonical = get_connector(system).operation(operation).get("entity")
    return column_lineage(load_mapping(system, operation, "out"), canonical_entity=canonical)


class OperationRecorder:
    """Remembers which operations were written through the clients it wraps.

    The push step decides what to send from the outbox; its lineage is the out-mappings of the
    operations it actually wrote, in the order it first wrote them.
    """

    def __init__(self) -> None:
        self.operations: list[str] = []

    def wrap(self, client: Any) -> Any:
        """``client`` as it is, except that ``write(operation, ...)`` is noted first."""
        return _Recording(client, self)

    def note(self, operation: str) -> None:
        if operation not in self.operations:
            self.operations.append(operation)


class _Recording:
    def __init__(self, client: Any, recorder: OperationRecorder) -> None:
        self._client = client
        self._recorder = recorder

    def write(self, operation: str, payloads: Any) -> Any:
        self._recorder.note(operation)
        return self._client.write(operation, payloads)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def emit_extract_lineage(system: str, stream: str) -> None:
    """Report the lineage of the extract task running now (a no-op when lineage is off)."""
    if _active():
        _emit_safely(lambda: [extract_lineage(system, stream)], f"extract {system}.{stream}")


def emit_push_lineage(system: str, operations: Iterable[str]) -> None:
    """Report the lineage of the push task running now: one pair of datasets per operation."""
    chosen = list(operations)
    if chosen and _active():
        what = f"push {system} {', '.join(chosen)}"
        _emit_safely(lambda: [push_lineage(system, op) for op in chosen], what)


def emit_column_lineage(lineages: Sequence[ColumnLineage]) -> None:
    """Emit a RUNNING event of the current task carrying these datasets and their facets."""
    from airflow.providers.openlineage.api import emit_dataset_lineage

    inputs, outputs = openlineage_datasets(lineages)
    emit_dataset_lineage(inputs=inputs, outputs=outputs, raise_on_error=True)


def openlineage_datasets(lineages: Sequence[ColumnLineage]) -> tuple[list[Any], list[Any]]:
    """OpenLineage input and output datasets for ``lineages`` (one input per source dataset,
    its schema the union of the fields read; one output per mapping)."""
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import documentation_dataset

    read: dict[tuple[str, str], dict[str, None]] = {}
    outputs = []
    for lineage in lineages:
        fields = read.setdefault((lineage.source.namespace, lineage.source.name), {})
        fields.update(dict.fromkeys(lineage.source_fields))
        documentation = documentation_dataset.DocumentationDatasetFacet(
            description=f"Written through {lineage.mapping_file} ({lineage.mapping_version})"
            + (f": {lineage.description}" if lineage.description else "")
        )
        outputs.append(
            OutputDataset(
                namespace=lineage.target.namespace,
                name=lineage.target.name,
                facets={
                    "schema": _schema(lineage.target_fields),
                    "columnLineage": _column_lineage_facet(lineage),
                    "documentation": documentation,
                },
            )
        )
    inputs = [
        InputDataset(namespace=namespace, name=name, facets={"schema": _schema(fields)})
        for (namespace, name), fields in read.items()
    ]
    return inputs, outputs


def _schema(fields: Iterable[str]) -> Any:
    from openlineage.client.facet_v2 import schema_dataset

    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=name) for name in fields]
    )


def _column_lineage_facet(lineage: ColumnLineage) -> Any:
    from openlineage.client.facet_v2 import column_lineage_dataset as facet

    return facet.ColumnLineageDatasetFacet(
        fields={
            entry.target: facet.Fields(
                inputFields=[
                    facet.InputField(
                        namespace=item.dataset.namespace,
                        name=item.dataset.name,
                        field=item.field,
                        transformations=[
                            facet.Transformation(
                                type=t.type,
                                subtype=t.subtype,
                                description=t.description,
                                masking=t.masking,
                            )
                            for t in item.transformations
                        ],
                    )
                    for item in entry.inputs
                ]
            )
            for entry in lineage.fields
        }
    )


def _active() -> bool:
    """Whether the OpenLineage provider is installed and configured to send events."""
    try:
        from airflow.providers.openlineage.conf import is_disabled
    except ImportError:
        log.debug("apache-airflow-providers-openlineage is not installed: no lineage")
        return False
    return not is_disabled()


def _emit_safely(build: Callable[[], list[ColumnLineage]], what: str) -> None:
    try:
        lineages = build()
        emit_column_lineage(lineages)
    except Exception as exc:  # lineage is reporting: it must never fail the data task
        log.warning("OpenLineage: could not report the column lineage of %s: %s", what, exc)
        return
    log.info(
        "OpenLineage: column lineage of %s (%s)",
        what,
        ", ".join(f"{x.mapping_file} {x.mapping_version}" for x in lineages),
    )
