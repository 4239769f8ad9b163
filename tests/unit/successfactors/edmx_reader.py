"""Read an EDMX document into plain dicts, so SAP's and ours compare field by field."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

FLAGS = ("required", "creatable", "updatable", "upsertable", "filterable", "sortable")


@dataclass
class EntityTypeInfo:
    key: list[str]
    props: dict[str, dict[str, str]]
    navs: dict[str, dict[str, str]]


@dataclass
class EdmxInfo:
    types: dict[str, EntityTypeInfo] = field(default_factory=dict)
    sets: dict[str, dict[str, str]] = field(default_factory=dict)  # set name -> attributes
    associations: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> multiplicity


def _local(attrs) -> dict[str, str]:
    """Attributes by local name: SAP's files and ours use different sap: namespaces."""
    return {etree.QName(k).localname: v for k, v in attrs.items()}


def read_edmx(data: bytes, into: EdmxInfo | None = None) -> EdmxInfo:
    info = into or EdmxInfo()
    root = etree.fromstring(data)
    for et in root.iter("{*}EntityType"):
        info.types[et.get("Name")] = EntityTypeInfo(
            key=[r.get("Name") for r in et.iter("{*}PropertyRef")],
            props={p.get("Name"): _local(p.attrib) for p in et.findall("{*}Property")},
            navs={n.get("Name"): _local(n.attrib) for n in et.findall("{*}NavigationProperty")},
        )
    for es in root.iter("{*}EntitySet"):
        info.sets[es.get("Name")] = _local(es.attrib)
    for a in root.iter("{*}Association"):
        info.associations[a.get("Name")] = {
            e.get("Role"): e.get("Multiplicity") for e in a.findall("{*}End")
        }
    return info
