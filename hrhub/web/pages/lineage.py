"""Lineage for auditors: from a system's field to the canonical record and out to every target.

Each mapping file's column lineage is `hrhub.mapping.lineage.column_lineage` (what the flow
sends to OpenLineage); this page joins them on the canonical record: an in-mapping's target
field is a canonical field, an out-mapping's input is one. A canonical field is its entity and
top-level name (`phones.0.number` is part of `phones`), as the canonical models name fields.
An out-mapping reads the canonical entity its connector's manifest names for the operation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from hrhub.mapping.approvals import mapping_key
from hrhub.mapping.engine import Mapping, MappingFileError
from hrhub.mapping.lineage import ColumnLineage, Transformation, column_lineage
from hrhub.mapping.report import mapping_files
from hrhub.web.app import viewer_who_can, web_of
from hrhub.web.auth import Viewer
from hrhub.web.queries import TTLCache
from hrhub.web.roles import Permission

log = logging.getLogger(__name__)
router = APIRouter()


def canonical_field(path: str) -> str:
    """The canonical record's field a path names: its first segment."""
    return path.split(".", 1)[0]


@dataclass(frozen=True)
class Hop:
    """One field crossing between a system and the canonical record, by one mapping file."""

    direction: str  # "in": system -> canonical; "out": canonical -> system
    system: str
    dataset: str  # the system's stream (in) or operation (out)
    system_field: str  # read from the system (in) or written to it (out)
    entity: str  # canonical entity
    canonical_path: str  # written (in) or read (out) on the canonical side
    transformations: tuple[Transformation, ...]
    mapping: str  # mapping_key of the file

    @property
    def field(self) -> str:
        return canonical_field(self.canonical_path)

    @property
    def masking(self) -> bool:
        return any(t.masking for t in self.transformations)

    @property
    def url(self) -> str:
        """The mapping page's path under the app (the key is `mappings/<system>/<file>`)."""
        return f"/{self.mapping}"


@dataclass(frozen=True)
class LineageGraph:
    """Every hop of every mapping file that loads, indexed both ways."""

    hops: tuple[Hop, ...]
    broken: tuple[str, ...]  # files that do not load (their lineage is unknown)

    def sources_of(self, entity: str, field: str) -> list[Hop]:
        """In-hops feeding a canonical field."""
        return [
            h for h in self.hops if h.direction == "in" and (h.entity, h.field) == (entity, field)
        ]

    def targets_of(self, entity: str, field: str) -> list[Hop]:
        """Out-hops reading a canonical field."""
        return [
            h for h in self.hops if h.direction == "out" and (h.entity, h.field) == (entity, field)
        ]

    def from_system(self, system: str, field: str) -> list[Hop]:
        """In-hops reading `field` of `system` (any of its streams)."""
        return [
            h
            for h in self.hops
            if h.direction == "in" and h.system == system and h.system_field == field
        ]

    def canonical_fields(self) -> dict[str, list[str]]:
        """Entity -> its fields any mapping reads or writes, sorted."""
        found: dict[str, set[str]] = defaultdict(set)
        for hop in self.hops:
            found[hop.entity].add(hop.field)
        return {entity: sorted(fields) for entity, fields in sorted(found.items())}


def canonical_entity_of(mapping: Mapping) -> str:
    """The canonical entity a mapping writes (in) or reads (out, from the connector's
    manifest; the mapping's own entity when no connector names the operation)."""
    if mapping.direction == "in":
        return mapping.entity
    from connectors._core.errors import ConfigError
    from connectors._core.registry import get_connector

    try:
        entity = get_connector(mapping.system).operation(mapping.entity).get("entity")
    except ConfigError:
        return mapping.entity
    return entity or mapping.entity


def _hops(lineage: ColumnLineage, mapping: Mapping, key: str) -> Iterable[Hop]:
    for entry in lineage.fields:
        for item in entry.inputs:
            if mapping.direction == "in":
                yield Hop(
                    "in",
                    mapping.system,
                    lineage.source.name,
                    item.field,
                    lineage.target.name,
                    entry.target,
                    item.transformations,
                    key,
                )
            else:
                yield Hop(
                    "out",
                    mapping.system,
                    lineage.target.name,
                    entry.target,
                    lineage.source.name,
                    item.field,
                    item.transformations,
                    key,
                )


def _build(files: list[Path]) -> LineageGraph:
    hops: list[Hop] = []
    broken: list[str] = []
    for file in files:
        key = mapping_key(file)
        try:
            mapping = Mapping.load(file)
        except MappingFileError:
            broken.append(key)
            continue
        lineage = column_lineage(mapping, canonical_entity=canonical_entity_of(mapping))
        hops.extend(_hops(lineage, mapping, key))
    return LineageGraph(tuple(hops), tuple(broken))


def lineage_graph(mappings_dir: Path, cache: TTLCache) -> LineageGraph:
    """The graph of every mapping file under `mappings_dir`, kept in `cache` under every
    file's size and modification time, so an edited file is read again at once."""
    try:
        files = mapping_files(mappings_dir)
    except FileNotFoundError:
        return LineageGraph((), ())
    signature = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return cache.get(("lineage", signature), lambda: _build(files))


def lineage_link(**query: str) -> str:
    """`/lineage?...` for one field (a path under the app)."""
    return f"/lineage?{urlencode(query)}"


@router.get("/lineage", response_class=HTMLResponse)
def lineage_page(
    request: Request,
    system: str = Query("", max_length=64),
    entity: str = Query("", max_length=64),
    field: str = Query("", max_length=255),
    viewer: Viewer = Depends(viewer_who_can(Permission.VIEW_MAPPINGS)),
) -> HTMLResponse:
    """No query: every canonical field with what feeds and reads it. `system` + `field`: one
    system field's path; `entity` + `field`: one canonical field's sources and targets."""
    web = web_of(request)
    graph = lineage_graph(web.settings.mappings_dir, web.slow_cache)
    context: dict[str, object] = {
        "graph": graph,
        "system": system,
        "entity": entity,
        "field": field,
    }
    if system and field:
        feeds = graph.from_system(system, field)
        reached = sorted({(h.entity, h.field) for h in feeds})
        context["feeds"] = feeds
        context["onward"] = [(e, f, graph.targets_of(e, f)) for e, f in reached]
        view = "system"
    elif entity and field:
        context["sources"] = graph.sources_of(entity, field)
        context["targets"] = graph.targets_of(entity, field)
        view = "canonical"
    else:
        fields = graph.canonical_fields()
        context["rows"] = [
            (e, f, graph.sources_of(e, f), graph.targets_of(e, f))
            for e, names in fields.items()
            for f in names
        ]
        view = "index"
    return web.render(request, viewer, "lineage.html", view=view, link=lineage_link, **context)
