"""$metadata: pyodata builds it with its default (strict) config, and it is deterministic."""

from __future__ import annotations

import pyodata.v2.model as model
import pytest
from lxml import etree

from connectors.successfactors.edm import ENTITY_SETS
from connectors.successfactors.metadata import render_metadata


@pytest.fixture(scope="module")
def schema():
    return model.MetadataBuilder(render_metadata()).build()


def test_pyodata_sees_every_entity_set_and_key(schema) -> None:
    assert sorted(es.name for es in schema.entity_sets) == sorted(ENTITY_SETS)
    for name, s in ENTITY_SETS.items():
        entity_type = schema.entity_type(name)
        assert [p.name for p in entity_type.key_proprties] == list(s.key)
        assert sorted(p.name for p in entity_type.proprties()) == sorted(p.name for p in s.props)
        assert schema.entity_set(name).entity_type.name == name


def test_pyodata_sees_typed_properties(schema) -> None:
    candidate = schema.entity_type("Candidate")
    assert candidate.proprty("lastModifiedDateTime").typ.name == "Edm.DateTimeOffset"
    assert candidate.proprty("candidateId").typ.name == "Edm.Int64"
    assert candidate.proprty("primaryEmail").nullable is False
    education = schema.entity_type("CandidateBackground_Education")
    assert education.proprty("startDate").typ.name == "Edm.DateTime"


def test_pyodata_sees_navigations(schema) -> None:
    for name, s in ENTITY_SETS.items():
        navs = {n.name: n for n in schema.entity_type(name).nav_proprties}
        assert sorted(navs) == sorted(n.name for n in s.navs), name
        for nav in s.navs:
            role = navs[nav.name].to_role
            assert role.entity_type_name == nav.target
            assert role.multiplicity == ("*" if nav.many else "1")
    education = schema.entity_type("Candidate").nav_proprty("education")
    assert education.to_role.entity_type_name == "CandidateBackground_Education"


def test_pyodata_sees_the_upsert_function_import(schema) -> None:
    upsert = schema.function_import("upsert")
    assert upsert.http_method == "POST"
    assert upsert.return_type.name == "UpsertResult"
    assert upsert.return_type.is_collection
    assert upsert.return_type_info.namespace == "SFOData"
    result = schema.complex_type("UpsertResult")
    names = {p.name: p.typ.name for p in result.proprties()}
    assert names["index"] == "Edm.Int32"
    assert names["httpCode"] == "Edm.Int32"
    assert {"key", "status", "editStatus", "message", "inlineResults"} <= set(names)


def test_document_shape() -> None:
    root = etree.fromstring(render_metadata())
    ns = {
        "edmx": "http://schemas.microsoft.com/ado/2007/06/edmx",
        "m": "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata",
        "e": "http://schemas.microsoft.com/ado/2008/09/edm",
        "sap": "http://www.successfactors.com/edm/sap",
    }

    def q(prefix: str, name: str) -> str:
        return f"{{{ns[prefix]}}}{name}"

    assert root.tag == q("edmx", "Edmx") and root.get("Version") == "1.0"
    services = root.find("edmx:DataServices", ns)
    assert services.get(q("m", "DataServiceVersion")) == "2.0"
    schema = services.find("e:Schema", ns)
    assert schema.get("Namespace") == "SFOData"
    container = schema.find("e:EntityContainer", ns)
    assert container.get("Name") == "EntityContainer"
    assert container.get(q("m", "IsDefaultEntityContainer")) == "true"
    fi = container.find("e:FunctionImport[@Name='upsert']", ns)
    assert fi.get(q("m", "HttpMethod")) == "POST"
    assert fi.get(q("sap", "support-payload")) == "true"
    prop = schema.find("e:EntityType[@Name='Candidate']/e:Property[@Name='primaryEmail']", ns)
    assert prop.get(q("sap", "required")) == "true"
    assert prop.get(q("sap", "updatable")) == "false"
    assert prop.get(q("sap", "label")) == "Primary Email"
    country = schema.find("e:EntityType[@Name='Candidate']/e:Property[@Name='country']", ns)
    assert country.get(q("sap", "picklist")) == "country"
    assert len(schema.findall("e:Association", ns)) == len(
        container.findall("e:AssociationSet", ns)
    )


def test_deterministic_and_cached() -> None:
    assert render_metadata() is render_metadata()
    assert render_metadata(["JobApplication", "Candidate"]) == render_metadata(
        ["Candidate", "JobApplication"]
    )


def test_subsets_drop_dangling_navigations_and_still_build() -> None:
    schema = model.MetadataBuilder(render_metadata(["Candidate", "JobApplication"])).build()
    assert sorted(es.name for es in schema.entity_sets) == ["Candidate", "JobApplication"]
    assert list(schema.entity_type("Candidate").nav_proprties) == []
    schema = model.MetadataBuilder(
        render_metadata(["JobApplication", "JobApplicationStatus"])
    ).build()
    nav = schema.entity_type("JobApplication").nav_proprty("jobAppStatus")
    assert nav.to_role.entity_type_name == "JobApplicationStatus"


def test_unknown_set_is_refused() -> None:
    with pytest.raises(KeyError):
        render_metadata(["Nope"])
