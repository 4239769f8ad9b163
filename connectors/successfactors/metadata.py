"""Render the simulator's ``$metadata`` (EDMX 1.0, OData v2) from the model in ``edm``.

Why it exists: clients (pyodata, SAP Cloud SDK, Integration Center) read ``$metadata`` before
anything else, so the simulator must serve one that says exactly what it implements, in SAP's
shape: ``sap:`` flags in SuccessFactors' annotation namespace, SAP's association names where
documented, and the service-wide ``upsert`` function import. Output is deterministic and
cached; rendering is string building, so no XML library state leaks in.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from connectors.successfactors.edm import ENTITY_SETS, NAMESPACE, EntitySetDef, Nav

__all__ = ["render_metadata"]

_NS_EDMX = "http://schemas.microsoft.com/ado/2007/06/edmx"
_NS_EDM = "http://schemas.microsoft.com/ado/2008/09/edm"
_NS_M = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
_NS_SAP = "http://www.successfactors.com/edm/sap"
_NS_SF = "http://www.successfactors.com/edm/sf"

# The upsert result, as SAP documents the response body (hr-system-apis.md §1.6).
# inlineResults is always null in responses; its declared type is not public.
_UPSERT_RESULT = (
    ("key", "Edm.String"),
    ("status", "Edm.String"),
    ("editStatus", "Edm.String"),
    ("message", "Edm.String"),
    ("index", "Edm.Int32"),
    ("httpCode", "Edm.Int32"),
    ("inlineResults", "Edm.String"),
)


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _el(tag: str, attrs: Iterable[tuple[str, str]], children: Iterable[str] = ()) -> str:
    head = tag + "".join(f" {k}={quoteattr(v)}" for k, v in attrs)
    body = "".join(children)
    return f"<{head}>{body}</{tag}>" if body else f"<{head}/>"


def _relationship(owner: EntitySetDef, nav: Nav) -> str:
    return nav.relationship or f"{owner.name}_{nav.name}_{nav.target}"


def _entity_type(s: EntitySetDef, navs: list[Nav]) -> str:
    key = _el("Key", (), [_el("PropertyRef", [("Name", k)]) for k in s.key])
    props = []
    for p in s.props:
        attrs = [("Name", p.name), ("Type", p.edm_type), ("Nullable", _b(p.nullable))]
        if p.max_length is not None:
            attrs.append(("MaxLength", str(p.max_length)))
        attrs += [
            ("sap:required", _b(p.required)),
            ("sap:creatable", _b(p.creatable)),
            ("sap:updatable", _b(p.updatable)),
            ("sap:upsertable", _b(p.upsertable)),
            ("sap:visible", "true"),
            ("sap:sortable", _b(p.sortable)),
            ("sap:filterable", _b(p.filterable)),
        ]
        if p.picklist:
            attrs.append(("sap:picklist", p.picklist))
        attrs.append(("sap:label", p.label or p.name))
        props.append(_el("Property", attrs))
    nav_els = [
        _el(
            "NavigationProperty",
            [
                ("Name", n.name),
                ("Relationship", f"{NAMESPACE}.{_relationship(s, n)}"),
                ("FromRole", s.name),
                ("ToRole", n.target),
                ("sap:label", n.name),
            ],
        )
        for n in navs
    ]
    return _el("EntityType", [("Name", s.name)], [key, *props, *nav_els])


def _associations(sets: list[EntitySetDef], included: set[str]) -> list[tuple[str, dict]]:
    """(name, {role: multiplicity}) per relationship, from the navs on either side."""
    ends: dict[str, dict[str, str]] = {}
    for s in sets:
        for n in s.navs:
            if n.target not in included:
                continue
            roles = ends.setdefault(_relationship(s, n), {})
            roles[n.target] = "*" if n.many else "1"
            roles.setdefault(s.name, "1" if n.many else "*")
    for name, roles in ends.items():
        if len(roles) != 2:
            raise ValueError(f"association {name} must join two entity types, got {roles}")
    return sorted(ends.items())


@lru_cache(maxsize=32)
def _render(names: tuple[str, ...]) -> bytes:
    sets = [ENTITY_SETS[n] for n in names]
    included = set(names)
    navs = {s.name: [n for n in s.navs if n.target in included] for s in sets}
    assocs = _associations(sets, included)

    types = [_entity_type(s, navs[s.name]) for s in sets]
    complex_type = _el(
        "ComplexType",
        [("Name", "UpsertResult")],
        [
            _el("Property", [("Name", n), ("Type", t), ("Nullable", "true")])
            for n, t in _UPSERT_RESULT
        ],
    )
    assoc_els = [
        _el(
            "Association",
            [("Name", name)],
            [
                _el(
                    "End", [("Type", f"{NAMESPACE}.{role}"), ("Multiplicity", mult), ("Role", role)]
                )
                for role, mult in sorted(roles.items())
            ],
        )
        for name, roles in assocs
    ]
    entity_sets = [
        _el(
            "EntitySet",
            [
                ("Name", s.name),
                ("EntityType", s.type_name),
                ("sap:label", s.name),
                ("sap:creatable", _b(s.creatable)),
                ("sap:updatable", _b(s.updatable)),
                ("sap:upsertable", _b(s.upsertable)),
                ("sap:deletable", _b(s.deletable)),
            ],
        )
        for s in sets
    ]
    assoc_sets = [
        _el(
            "AssociationSet",
            [("Name", name), ("Association", f"{NAMESPACE}.{name}")],
            [_el("End", [("EntitySet", role), ("Role", role)]) for role in sorted(roles)],
        )
        for name, roles in assocs
    ]
    upsert = _el(
        "FunctionImport",
        [
            ("Name", "upsert"),
            ("ReturnType", f"Collection({NAMESPACE}.UpsertResult)"),
            ("m:HttpMethod", "POST"),
            ("sap:support-payload", "true"),
        ],
        [_el("Documentation", (), [_el("Summary", (), [escape("Insert or update records")])])],
    )
    container = _el(
        "EntityContainer",
        [("Name", "EntityContainer"), ("m:IsDefaultEntityContainer", "true")],
        [*entity_sets, *assoc_sets, upsert],
    )
    schema = _el(
        "Schema",
        [
            ("Namespace", NAMESPACE),
            ("xmlns", _NS_EDM),
            ("xmlns:sf", _NS_SF),
            ("xmlns:sap", _NS_SAP),
            ("xmlns:m", _NS_M),
        ],
        [*types, complex_type, *assoc_els, container],
    )
    doc = _el(
        "edmx:Edmx",
        [("Version", "1.0"), ("xmlns:edmx", _NS_EDMX)],
        [
            _el(
                "edmx:DataServices",
                [("m:DataServiceVersion", "2.0"), ("xmlns:m", _NS_M)],
                [schema],
            )
        ],
    )
    return ('<?xml version="1.0" encoding="utf-8"?>' + doc).encode("utf-8")


def render_metadata(sets: Iterable[str] | None = None) -> bytes:
    """The service ``$metadata`` for ``sets`` (all modelled sets if None), as UTF-8 bytes.

    Navigations to sets left out are omitted, so any subset is a valid document; set order
    follows the model, so equal requests give identical bytes. Unknown set
    names raise KeyError: callers choose the sets, not clients.
    """
    wanted = set(ENTITY_SETS) if sets is None else set(sets)
    unknown = sorted(wanted - set(ENTITY_SETS))
    if unknown:
        raise KeyError(f"unknown entity set(s): {', '.join(unknown)}")
    return _render(tuple(n for n in ENTITY_SETS if n in wanted))
