"""The model (and the $metadata rendered from it) says what SAP's public RCM EDMX says.

SAP's files are reference data outside the repository (../shared/reference/successfactors);
without them these tests skip. Sets and navigations with no public EDMX (documented=False) are
checked to be absent from it, and listed here so none slips in unnoticed.
"""

from __future__ import annotations

import pytest

from connectors.successfactors.edm import ENTITY_SETS
from connectors.successfactors.metadata import render_metadata

from .edmx_reader import FLAGS, EdmxInfo, read_edmx

UNDOCUMENTED = sorted(n for n, s in ENTITY_SETS.items() if not s.documented)
DOCUMENTED = sorted(n for n, s in ENTITY_SETS.items() if s.documented)
UNDOCUMENTED_NAVS = sorted(
    (s.name, n.name) for s in ENTITY_SETS.values() for n in s.navs if not n.documented
)


def documented_navs(name: str) -> list:
    return [n for n in ENTITY_SETS[name].navs if n.documented]


@pytest.fixture(scope="module")
def ours() -> EdmxInfo:
    return read_edmx(render_metadata())


def test_undocumented_sets_are_absent_from_sap_edmx(sap) -> None:
    """Sets modelled on the dossier alone: SAP's public EDMX really has none of them."""
    assert not set(UNDOCUMENTED) & set(sap.sets)


def test_undocumented_sets_are_the_dossier_ones() -> None:
    """The dossier's sets, Attachment (SAP's Foundation entity a resume is kept in) and
    JobRequisitionOperator (what the requisition's recruiter and hiringManager expand to)."""
    assert UNDOCUMENTED == [
        "Attachment",
        "InterviewIndividualAssessment",
        "InterviewOverallAssessment",
        "JobApplicationInterview",
        "JobRequisition",
        "JobRequisitionOperator",
    ]


def test_undocumented_navigations_are_the_resume_one() -> None:
    """JobApplication's resume is a tenant's template field (an Attachment), not in the EDMX."""
    assert UNDOCUMENTED_NAVS == [("JobApplication", "resume")]


def test_undocumented_navigations_are_absent_from_sap_edmx(sap) -> None:
    for set_name, nav_name in UNDOCUMENTED_NAVS:
        assert nav_name not in sap.types[set_name].navs, f"{set_name}.{nav_name}"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_entity_set_flags_and_key(name, sap) -> None:
    s = ENTITY_SETS[name]
    assert name in sap.sets, f"{name} is not an entity set in SAP's EDMX"
    assert sap.sets[name]["EntityType"] == f"SFOData.{name}"
    for flag in ("creatable", "updatable", "upsertable", "deletable"):
        assert sap.sets[name][flag] == str(getattr(s, flag)).lower(), f"{name} {flag}"
    assert list(s.key) == sap.types[name].key


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_property_matches(name, sap) -> None:
    theirs = sap.types[name].props
    problems = []
    for p in ENTITY_SETS[name].props:
        attrs = theirs.get(p.name)
        if attrs is None:
            problems.append(f"{p.name}: not in SAP's EDMX")
            continue
        if attrs["Type"] != p.edm_type:
            problems.append(f"{p.name}: type {p.edm_type}, SAP says {attrs['Type']}")
        if attrs.get("Nullable", "true") != str(p.nullable).lower():
            problems.append(f"{p.name}: nullable {p.nullable}, SAP says {attrs.get('Nullable')}")
        max_length = int(attrs["MaxLength"]) if "MaxLength" in attrs else None
        if max_length != p.max_length:
            problems.append(f"{p.name}: max_length {p.max_length}, SAP says {max_length}")
        for flag in FLAGS:
            if attrs[flag] != str(getattr(p, flag)).lower():
                problems.append(f"{p.name}: {flag} {getattr(p, flag)}, SAP says {attrs[flag]}")
        if attrs.get("label", "").strip() != p.label:
            problems.append(f"{p.name}: label {p.label!r}, SAP says {attrs.get('label')!r}")
        if "picklist" in attrs and attrs["picklist"] != p.picklist:
            problems.append(f"{p.name}: picklist {p.picklist}, SAP says {attrs['picklist']}")
    assert problems == []


@pytest.mark.parametrize("name", DOCUMENTED)
def test_navigations_match(name, sap) -> None:
    theirs = sap.types[name].navs
    for nav in documented_navs(name):
        assert nav.name in theirs, f"{name}.{nav.name} is not in SAP's EDMX"
        attrs = theirs[nav.name]
        assert attrs["Relationship"] == f"SFOData.{nav.relationship}"
        assert attrs["ToRole"] == nav.target
        ends = sap.associations[nav.relationship]
        assert ends[nav.target] == ("*" if nav.many else "1"), f"{name}.{nav.name} multiplicity"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_rendered_metadata_says_what_sap_says(name, sap, ours) -> None:
    """End to end: what we serve as $metadata agrees with SAP on every modelled property."""
    theirs, mine = sap.types[name], ours.types[name]
    assert mine.key == theirs.key
    for pname, attrs in mine.props.items():
        for attr in ("Type", "Nullable", *FLAGS):
            assert attrs[attr] == theirs.props[pname][attr], f"{name}.{pname} {attr}"
    undocumented = {nav_name for set_name, nav_name in UNDOCUMENTED_NAVS if set_name == name}
    for nname, attrs in mine.navs.items():
        if nname in undocumented:
            continue
        for attr in ("Relationship", "FromRole", "ToRole"):
            assert attrs[attr] == theirs.navs[nname][attr], f"{name}.{nname} {attr}"
    for flag in ("creatable", "updatable", "upsertable", "deletable"):
        assert ours.sets[name][flag] == sap.sets[name][flag]
    for nav in documented_navs(name):
        assert ours.associations[nav.relationship] == sap.associations[nav.relationship]
