"""What each side of a mapping file may hold: the schemas mapping files are checked against.

For ``mappings/<system>/<name>.<direction>.yaml``:

- ``in`` reads a system's payload (one record of the stream read with mapping ``name``) and
  writes the canonical model of the stream's entity;
- ``out`` reads a canonical record of the operation's entity as the ledger stages it (JSON:
  dates and times as ISO text) and writes the record the connector's ``write`` takes.

Where the system side comes from (one schema per mapping, so a new system is its schemas):

- SuccessFactors: SAP's published EDMX (RCMCandidate, RCMJobApplication), read at check time
  from the reference folder (``$HRHUB_SAP_EDMX_DIR``, else ``../shared/reference/
  successfactors`` beside the repository). It is SAP's document and is never copied into the
  repository: without it, what needs it is skipped and the reason says so. Sets SAP publishes
  no EDMX for: ``schemas/systems/successfactors/<name>.json``.
- Yonyou NC: the bundled WSDL (the operation a schema names in ``x-wsdl-operation`` must exist
  and carry its document as one xsd:string) and, for the XML documents inside that string,
  ``schemas/systems/yonyou/nc_*.json`` (every value element text).
- YonBIP, DingTalk, attendance, interview room: ``schemas/systems/<system>/<name>.json``,
  written from the simulators' and clients' payloads.
- canonical: ``schemas/canonical/<entity>.schema.json`` and its pydantic model.

Connector manifests are read through the registry (``connectors._core.registry``), the one
way hrhub reaches connectors; nothing here imports a connector package.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import SchemaError
from lxml import etree
from pydantic import BaseModel
from pydantic import ValidationError as ModelValidationError
from pydantic_core import to_jsonable_python

from connectors._core import safexml
from hrhub.models import CanonicalRecord, model_for

__all__ = [
    "CANONICAL_DIR",
    "NC_WSDL",
    "SAP_EDMX_ENV",
    "SYSTEMS_DIR",
    "Contract",
    "ContractError",
    "Contracts",
    "Kind",
    "SchemaView",
    "edmx_schema",
    "kind_of_value",
    "wsdl_operations",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SYSTEMS_DIR = REPO_ROOT / "schemas" / "systems"
CANONICAL_DIR = REPO_ROOT / "schemas" / "canonical"
SAP_EDMX_ENV = "HRHUB_SAP_EDMX_DIR"
DEFAULT_SAP_DIR = REPO_ROOT.parent / "shared" / "reference" / "successfactors"
NC_WSDL = REPO_ROOT / "connectors" / "yonyou" / "wsdl" / "IHrhubRecruitService.wsdl"

# Mappings whose system side is SAP's published metadata: (EDMX file, entity type).
SAP_METADATA: dict[tuple[str, str, str], tuple[str, str]] = {
    ("successfactors", "candidate", "in"): ("RCMCandidate.edmx", "Candidate"),
    ("successfactors", "application", "in"): ("RCMJobApplication.edmx", "JobApplication"),
    ("successfactors", "application_status", "out"): (
        "RCMJobApplication.edmx",
        "JobApplication",
    ),
    ("successfactors", "comment", "out"): ("RCMJobApplication.edmx", "JobApplicationComments"),
}
# Payload fields that are hub-side on purpose: the client turns them into real properties
# (``x-resolves-to``). A property the system requires is then required as the hub-side field.
CLIENT_RESOLVED: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("successfactors", "application_status"): {
        "appStatusName": {
            "type": "string",
            "minLength": 1,
            "x-resolves-to": "appStatusSetItemId",
            "description": "Resolved by the client to appStatusSetItemId in the requisition's "
            "status set (connectors/successfactors/client.py _resolve_statuses).",
        }
    },
    ("successfactors", "interview_assessment"): {
        "interviewSource": {
            "type": "string",
            "minLength": 1,
            "x-resolves-to": "interviewRefId",
            "description": "The hub interview's canonical id. Resolved by the client to the "
            "applicationInterviewId of the JobApplicationInterview whose source it is, the "
            "record the application_interview write created "
            "(connectors/successfactors/client.py _resolve_interviews).",
        }
    },
}
# Operations that only update existing records: SAP's create-time required properties do not
# apply, the key does.
UPDATE_ONLY: dict[tuple[str, str], tuple[str, ...]] = {
    ("successfactors", "application_status"): ("applicationId",),
}
# Out-mappings fed by something other than a canonical record of the operation's entity.
OUT_SOURCES: dict[tuple[str, str], str] = {
    ("dingtalk", "work_notification"): "dingtalk/notice_facts.json",
    ("dingtalk", "robot_notice"): "dingtalk/notice_facts.json",
    ("interview_room", "create_orders"): "interview_room/interview_order.json",
}
# Required canonical fields the model fills itself, so no in-mapping needs to set them.
DERIVED_FIELDS: dict[str, str] = {
    "canonical_id": "the model derives it from source_system and remote_id",
}
DERIVED_PER_ENTITY: dict[str, dict[str, str]] = {
    "interview_result": {"decision": "the model derives it from recommendation"},
}

_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_XSD = "http://www.w3.org/2001/XMLSchema"


class ContractError(LookupError):
    """No contract can be found for a mapping file (unknown system, stream or operation)."""


# --- kinds of values -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Kind:
    """A JSON type, and for text its format (date, date-time) when the schema says it.

    ``date`` and ``datetime`` (Python objects, produced by transforms) are kinds of their own:
    the canonical models take them, JSON targets take them only as ISO text.
    """

    type: str
    format: str | None = None

    def __str__(self) -> str:
        words = {
            "string": "text",
            "integer": "an integer",
            "number": "a number",
            "boolean": "true/false",
            "array": "a list",
            "object": "an object",
            "null": "null",
            "date": "a date",
            "datetime": "a date-time",
        }
        text = words.get(self.type, self.type)
        return f"{text} ({self.format})" if self.format else text


_JSON_TYPES = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    list: "array",
    dict: "object",
    type(None): "null",
}


def kind_of_value(value: Any) -> Kind:
    """The kind of a constant (a default, an enum's value) as YAML gave it."""
    return Kind(_JSON_TYPES.get(type(value), "object"))


# --- a JSON Schema, walked by dotted paths -------------------------------------------------


class SchemaView:
    """A JSON Schema with what mapping checks ask of it: does a dotted path exist, what kinds
    of values does it take, what is required where, and does a record validate."""

    def __init__(self, schema: dict[str, Any], label: str) -> None:
        self.schema = schema
        self.label = label

    def __repr__(self) -> str:
        return f"<SchemaView {self.label}>"

    @cached_property
    def validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def errors(self, instance: Any) -> list[tuple[str | None, str]]:
        """(dotted path or None, message) for every way ``instance`` breaks the schema."""
        found = sorted(self.validator.iter_errors(instance), key=lambda e: list(map(str, e.path)))
        return [(_dotted(e), _message(e)) for e in found]

    def _deref(self, node: Any) -> dict[str, Any]:
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                return {}
            seen.add(ref)
            target: Any = self.schema
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node if isinstance(node, dict) else {}

    def alternatives(self, node: Any) -> list[dict[str, Any]]:
        """The schemas a value at ``node`` may follow: $ref resolved, anyOf/oneOf spread."""
        node = self._deref(node)
        branches = node.get("anyOf") or node.get("oneOf")
        if not branches:
            return [node]
        base = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
        return [alt for b in branches for alt in self.alternatives({**base, **self._deref(b)})]

    def find(self, path: str) -> list[dict[str, Any]] | None:
        """The alternatives at a dotted path, or None when the schema has no such path."""
        current = self.alternatives(self.schema)
        for segment in path.split("."):
            current = [c for alt in current for c in self._child(alt, segment)]
            if not current:
                return None
        return current

    def _child(self, alt: dict[str, Any], segment: str) -> list[dict[str, Any]]:
        types = _types(alt)
        found: list[dict[str, Any]] = []
        if segment.isdigit() and (types is None or "array" in types):
            prefix = alt.get("prefixItems") or []
            index = int(segment)
            if index < len(prefix):
                found += self.alternatives(prefix[index])
            elif isinstance(alt.get("items"), dict):
                found += self.alternatives(alt["items"])
            elif "items" not in alt and types is not None:
                found.append({})  # an array of anything
        if types is not None and "object" not in types:
            return found
        props = alt.get("properties") or {}
        if segment in props:
            return found + self.alternatives(props[segment])
        extra = alt.get("additionalProperties")
        if isinstance(extra, dict):
            return found + self.alternatives(extra)
        if not props and extra is not False and (types is not None or not found):
            found.append({})  # an open object: any key, any value
        return found

    def kinds(self, alternatives: list[dict[str, Any]]) -> frozenset[Kind] | None:
        """Every kind of value the alternatives take; None when one of them takes anything."""
        kinds: set[Kind] = set()
        for alt in alternatives:
            values = alt["enum"] if "enum" in alt else [alt["const"]] if "const" in alt else None
            types = _types(alt)
            if types is None and values is None:
                return None
            if types is None:
                kinds.update(kind_of_value(v) for v in values or [])
                continue
            for name in types:
                fmt = alt.get("format") if name == "string" else None
                kinds.add(Kind(name, fmt))
        return frozenset(kinds)

    def required(self, alternatives: list[dict[str, Any]]) -> frozenset[str]:
        """Keys every object alternative requires (an object that may also be null counts)."""
        sets = [
            frozenset(alt.get("required") or ())
            for alt in alternatives
            if (_types(alt) is None and "properties" in alt) or "object" in (_types(alt) or ())
        ]
        return frozenset.intersection(*sets) if sets else frozenset()

    @staticmethod
    def read_only(alternatives: list[dict[str, Any]]) -> bool:
        return any(alt.get("readOnly") is True for alt in alternatives)

    def subschema_errors(self, alternatives: list[dict[str, Any]], value: Any) -> str | None:
        """Why a constant does not fit any alternative (None when one takes it)."""
        reasons = []
        for alt in alternatives:
            validator = Draft202012Validator(
                {**alt, "$defs": self.schema.get("$defs", {})},
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            error = next(iter(validator.iter_errors(to_jsonable_python(value))), None)
            if error is None:
                return None
            reasons.append(_message(error))
        return reasons[0] if reasons else None


def _types(alt: dict[str, Any]) -> tuple[str, ...] | None:
    value = alt.get("type")
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (value,)


_REQUIRED = re.compile(r"^'(?P<key>.+)' is a required property$")


def _dotted(error: ValidationError) -> str | None:
    path = list(error.absolute_path)
    if error.validator == "required":  # one error per missing key; only the text names it
        match = _REQUIRED.match(error.message)
        if match:
            path.append(match["key"])
    elif error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        if extra:
            path.append(extra[0])
    return ".".join(map(str, path)) or None


def _message(error: ValidationError) -> str:
    text = error.message
    return text if len(text) <= 200 else text[:197] + "..."


# --- SAP's EDMX and NC's WSDL, read as data ------------------------------------------------


def _parse_xml(path: Path) -> etree._Element:
    """SAP's EDMX and NC's WSDL come from outside: no DTD, no entity, no network."""
    return safexml.parse(path.read_bytes(), what=_shown(path))


def _attrs(element: etree._Element) -> dict[str, str]:
    """Attributes by local name: the sap: prefix is not bound the same way everywhere."""
    return {etree.QName(k).localname: v for k, v in element.attrib.items()}


_DATE_WIRE = r"^/Date\(-?[0-9]+([+-][0-9]{4})?\)/$"


def _edm(edm_type: str, *, writing: bool) -> dict[str, Any]:
    """An Edm type as SAP's verbose JSON carries it (read), or as upsert accepts it (write)."""
    if edm_type == "Edm.Int64":
        kinds = ["string", "integer"] if writing else "string"
        return {"type": kinds, "pattern": "^-?[0-9]+$"}
    if edm_type in ("Edm.Int32", "Edm.Int16", "Edm.Byte", "Edm.SByte"):
        return {"type": "integer"}
    if edm_type == "Edm.Decimal":
        return {"type": ["string", "number"] if writing else "string"}
    if edm_type in ("Edm.Double", "Edm.Single"):
        return {"type": "number"}
    if edm_type == "Edm.Boolean":
        return {"type": "boolean"}
    if edm_type in ("Edm.DateTime", "Edm.DateTimeOffset", "Edm.Time"):
        return {"type": "string"} if writing else {"type": "string", "pattern": _DATE_WIRE}
    return {"type": "string"}


def edmx_schema(path: Path, entity_type: str, *, writing: bool) -> dict[str, Any]:
    """One EDMX entity type as a JSON Schema: properties with their Edm types and
    ``MaxLength``; navigation properties open; ``required`` from ``sap:required`` (create);
    ``readOnly`` where SAP's flags forbid upsert."""
    root = _parse_xml(path)
    found = next((et for et in root.iter("{*}EntityType") if et.get("Name") == entity_type), None)
    if found is None:
        raise ContractError(f"{path.name} has no entity type {entity_type!r}")
    props: dict[str, Any] = {"__metadata": {"type": "object"}}
    required = []
    for prop in found.findall("{*}Property"):
        attrs = _attrs(prop)
        name = attrs["Name"]
        schema = _edm(attrs.get("Type", "Edm.String"), writing=writing)
        if attrs.get("MaxLength", "").isdigit() and "string" in schema["type"]:
            schema["maxLength"] = int(attrs["MaxLength"])
        if attrs.get("Nullable", "true") != "false":
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            schema["type"] = [*kinds, "null"]
        if writing and attrs.get("upsertable", "true") != "true":
            schema["readOnly"] = True
        if attrs.get("label"):
            schema["description"] = attrs["label"]
        if attrs.get("required") == "true":
            required.append(name)
        props[name] = schema
    for nav in found.findall("{*}NavigationProperty"):
        props[nav.get("Name")] = {"description": "navigation (deferred or expanded)"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required if writing else [],
        "properties": props,
    }


def wsdl_operations(path: Path) -> dict[str, list[str]]:
    """Operation -> the XML Schema types of its input element's children."""
    root = _parse_xml(path)
    elements = {
        el.get("name"): [c.get("type", "") for c in el.iter(f"{{{_XSD}}}element") if c is not el]
        for el in root.iter(f"{{{_XSD}}}element")
        if el.get("name")
    }
    messages = {
        m.get("name"): [p.get("element", "").rpartition(":")[2] for p in m.iter(f"{{{_WSDL}}}part")]
        for m in root.iter(f"{{{_WSDL}}}message")
    }
    operations: dict[str, list[str]] = {}
    for port in root.iter(f"{{{_WSDL}}}portType"):
        for op in port.iter(f"{{{_WSDL}}}operation"):
            given = op.find(f"{{{_WSDL}}}input")
            message = (given.get("message", "") if given is not None else "").rpartition(":")[2]
            operations[op.get("name")] = [
                t for part in messages.get(message, []) for t in elements.get(part, [])
            ]
    return operations


# --- contracts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    """Both sides of one mapping file, as far as they could be found.

    A side is None when it cannot be read here (``skipped`` says why); ``problems`` lists
    what is wrong with the contract itself (a WSDL without the operation, say).
    """

    system: str
    name: str
    direction: str
    entity: str  # the canonical entity on the hub's side
    source: SchemaView | None
    target: SchemaView | None
    model: type[CanonicalRecord] | None = None  # the target model of an in-mapping
    required_targets: tuple[str, ...] = ()
    exempt: dict[str, str] = field(default_factory=dict)  # required, but filled elsewhere
    canonical_source: bool = False  # an out-mapping fed with canonical records
    skipped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def output_errors(
        self, mapped: dict[str, Any], source: dict[str, Any]
    ) -> list[tuple[str | None, str]]:
        """Why a mapped record would be refused: the canonical model for ``in`` (with the
        source as ``raw``, as extract stages it), the system schema for ``out`` (after the
        outbox's JSON conversion: dates become ISO text)."""
        if self.direction == "in" and self.model is not None:
            try:
                self.model.model_validate({**mapped, "raw": source})
            except ModelValidationError as exc:
                return [_model_error(e) for e in exc.errors()]
            return []
        if self.target is None:
            return []
        return self.target.errors(to_jsonable_python(mapped))

    def staged(self, mapped: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
        """The canonical record as the ledger stages it (JSON), for a round trip."""
        assert self.model is not None
        record: BaseModel = self.model.model_validate({**mapped, "raw": source})
        return record.model_dump(mode="json")


def _model_error(error: Any) -> tuple[str | None, str]:
    where = ".".join(str(p) for p in error.get("loc", ())) or None
    return where, str(error.get("msg", "invalid"))


class Contracts:
    """Finds the contract of each mapping file; schemas are read once and kept."""

    def __init__(
        self,
        *,
        systems_dir: Path = SYSTEMS_DIR,
        canonical_dir: Path = CANONICAL_DIR,
        sap_dir: Path | None = None,
        nc_wsdl: Path = NC_WSDL,
    ) -> None:
        self.systems_dir = systems_dir
        self.canonical_dir = canonical_dir
        configured = os.environ.get(SAP_EDMX_ENV)
        self.sap_dir = sap_dir or (Path(configured) if configured else DEFAULT_SAP_DIR)
        self.nc_wsdl = nc_wsdl
        self._cache: dict[Any, Any] = {}

    def contract_for(self, system: str, name: str, direction: str) -> Contract:
        """The contract of ``mappings/<system>/<name>.<direction>.yaml``; ContractError when
        the connector has no stream (in) or operation (out) that uses it, or a schema it
        needs cannot be read."""
        try:
            return self._contract(system, name, direction)
        except (OSError, ValueError, KeyError, SchemaError, etree.LxmlError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else ""
            raise ContractError(
                f"cannot read the contract of {system}/{name} ({direction}): "
                f"{type(exc).__name__}: {detail}"
            ) from exc

    def _contract(self, system: str, name: str, direction: str) -> Contract:
        entity = self._entity(system, name, direction)
        hub = self._canonical(entity)
        skipped: list[str] = []
        problems: list[str] = []
        side = self._system_side(system, name, direction, skipped, problems)
        if direction == "in":
            derived = {**DERIVED_FIELDS, **DERIVED_PER_ENTITY.get(entity, {})}
            required = tuple(k for k in hub.schema.get("required", ()) if k not in derived)
            return Contract(
                system,
                name,
                direction,
                entity,
                source=side,
                target=hub,
                model=model_for(entity),
                required_targets=required,
                exempt=derived,
                skipped=tuple(skipped),
                problems=tuple(problems),
            )
        source, canonical = hub, (system, name) not in OUT_SOURCES
        if not canonical:
            source = self._file(OUT_SOURCES[system, name])
        required = tuple(side.schema.get("required", ())) if side is not None else ()
        return Contract(
            system,
            name,
            direction,
            entity,
            source=source,
            target=side,
            required_targets=required,
            canonical_source=canonical,
            skipped=tuple(skipped),
            problems=tuple(problems),
        )

    # -- the hub's side ---------------------------------------------------------------------

    def _entity(self, system: str, name: str, direction: str) -> str:
        from connectors._core.errors import ConfigError
        from connectors._core.registry import get_connector

        try:
            spec = get_connector(system)
            if direction == "in":
                entities = sorted({s.entity for s in spec.streams if s.mapping_name == name})
                if not entities:
                    known = ", ".join(sorted({s.mapping_name for s in spec.streams})) or "none"
                    raise ContractError(
                        f"no stream of {system} is read with mapping {name!r} (known: {known})"
                    )
                return entities[0]
            return str(spec.operation(name)["entity"])
        except ConfigError as exc:
            raise ContractError(str(exc)) from None

    def _canonical(self, entity: str) -> SchemaView:
        key = ("canonical", entity)
        if key not in self._cache:
            path = self.canonical_dir / f"{entity}.schema.json"
            schema = json.loads(path.read_text(encoding="utf-8"))
            self._cache[key] = SchemaView(schema, f"canonical {entity} ({_shown(path)})")
        return self._cache[key]

    # -- the system's side ------------------------------------------------------------------

    def _system_side(
        self, system: str, name: str, direction: str, skipped: list[str], problems: list[str]
    ) -> SchemaView | None:
        metadata = SAP_METADATA.get((system, name, direction))
        if metadata is not None:
            view = self._edmx(*metadata, writing=direction == "out", skipped=skipped)
            if view is None or direction != "out":
                return view
            return _as_written(system, name, view)
        path = self.systems_dir / system / f"{name}.json"
        if not path.is_file():
            problems.append(
                f"no payload schema for this mapping: {_shown(path)} is missing "
                "(write it from the simulator's and client's payloads)"
            )
            return None
        view = self._file(f"{system}/{name}.json")
        wsdl_op = view.schema.get("x-wsdl-operation")
        if wsdl_op:
            problems.extend(self._wsdl_problems(system, name, direction, wsdl_op))
        return _as_written(system, name, view) if direction == "out" else view

    def _file(self, relative: str) -> SchemaView:
        key = ("file", relative)
        if key not in self._cache:
            path = self.systems_dir / relative
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            self._cache[key] = SchemaView(schema, _shown(path))
        return self._cache[key]

    def _edmx(
        self, file_name: str, entity_type: str, *, writing: bool, skipped: list[str]
    ) -> SchemaView | None:
        path = self.sap_dir / file_name
        if not path.is_file():
            side = (
                "source paths, their types and the golden record's shape"
                if not writing
                else "targets, their types, required fields and the mapped golden record"
            )
            skipped.append(
                f"SAP's {file_name} is not in {self.sap_dir} (set ${SAP_EDMX_ENV} to the "
                f"folder that holds it): {side} are not checked against SAP's metadata"
            )
            return None
        key = ("edmx", path, entity_type, writing)
        if key not in self._cache:
            schema = edmx_schema(path, entity_type, writing=writing)
            self._cache[key] = SchemaView(schema, f"SAP's {file_name} ({entity_type})")
        return self._cache[key]

    def _wsdl_problems(
        self, system: str, name: str, direction: str, operation: str
    ) -> Iterator[str]:
        if not self.nc_wsdl.is_file():
            yield f"the bundled WSDL {_shown(self.nc_wsdl)} is missing"
            return
        key = ("wsdl", self.nc_wsdl)
        if key not in self._cache:
            self._cache[key] = wsdl_operations(self.nc_wsdl)
        operations: dict[str, list[str]] = self._cache[key]
        if operation not in operations:
            known = ", ".join(sorted(operations))
            yield f"the bundled WSDL has no operation {operation!r} (it has: {known})"
        elif [t.rpartition(":")[2] for t in operations[operation]] != ["string"]:
            yield (
                f"WSDL operation {operation!r} does not take its document as one xsd:string "
                f"(input types: {operations[operation]})"
            )
        if direction == "out":
            target = self._operation_target(system, name)
            if target and target != operation:
                yield (
                    f"connector.yaml sends operation {name!r} to {target!r}, but its payload "
                    f"schema names WSDL operation {operation!r}"
                )

    @staticmethod
    def _operation_target(system: str, name: str) -> str | None:
        from connectors._core.registry import get_connector

        target = get_connector(system).operation(name).get("target")
        return str(target) if target else None


def _as_written(system: str, name: str, view: SchemaView) -> SchemaView:
    """The record an operation's `write` takes: the system's record, plus the hub-side fields
    its client resolves (required in place of the property each resolves to), and for an
    update-only operation the key as the one required property."""
    resolved = CLIENT_RESOLVED.get((system, name), {})
    update_only = UPDATE_ONLY.get((system, name))
    if not resolved and update_only is None:
        return view
    schema = dict(view.schema)
    schema["properties"] = {**schema.get("properties", {}), **resolved}
    required = list(update_only if update_only is not None else schema.get("required", ()))
    instead = {
        spec["x-resolves-to"]: hub for hub, spec in resolved.items() if "x-resolves-to" in spec
    }
    schema["required"] = [instead.get(prop, prop) for prop in required]
    return SchemaView(schema, view.label)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)
