"""`diff_mappings`: real mapping files copied and edited, compared in an auditor's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.mapping import Mapping
from hrhub.mapping.diff import (
    BadRevision,
    DiffInputError,
    check_revision,
    diff_mappings,
    load_file,
    load_revision,
    split_revisions,
)
from hrhub.mapping.engine import REPO_ROOT

MAPPINGS = REPO_ROOT / "mappings"
NC_PRE_HIRE = MAPPINGS / "yonyou" / "nc_pre_hire.out.yaml"
SF_CANDIDATE = MAPPINGS / "successfactors" / "candidate.in.yaml"
UPSERT = MAPPINGS / "attendance" / "upsert_employee.out.yaml"
MASKED_ID = (
    "  id_number: {from: nationalId, transform: {name: mask, keep: 4}, personal_data: true}\n"
)


def edited(
    tmp_path: Path, original: Path, *replacements: tuple[str, str], append: str = ""
) -> Path:
    """A copy of ``original`` with each (old, new) replaced once; fails if ``old`` is absent."""
    copy = tmp_path / original.parent.name / original.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    text = original.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    copy.write_text(text + append, encoding="utf-8")
    return copy


def texts(old: Path, new: Path) -> list[str]:
    return diff_mappings(Mapping.load(old), Mapping.load(new)).lines()


def test_the_same_file_is_identical_and_has_no_changes(tmp_path: Path) -> None:
    copy = edited(tmp_path, NC_PRE_HIRE)
    result = diff_mappings(Mapping.load(NC_PRE_HIRE), Mapping.load(copy))
    assert result.identical and result.changes == []
    assert result.to_dict()["identical"] is True


def test_a_new_source_path_reads_as_now_comes_from_instead_of(tmp_path: Path) -> None:
    new = edited(
        tmp_path, SF_CANDIDATE, ("from: [cellPhone, homePhone]", "from: [phoneNumber, homePhone]")
    )
    lines = texts(SF_CANDIDATE, new)
    old_version, new_version = Mapping.load(SF_CANDIDATE).version, Mapping.load(new).version
    assert lines == [
        f"version {old_version} -> {new_version}",
        "field `phones` now comes from `phoneNumber, homePhone` instead of `cellPhone, homePhone`",
    ]


def test_a_transform_change_names_both_transforms(tmp_path: Path) -> None:
    new = edited(tmp_path, UPSERT, ("transform: iso_date", "transform: sf_date"))
    assert "transform of `hire_date` changed from iso_date to sf_date" in texts(UPSERT, new)
    params = edited(
        tmp_path / "p",
        SF_CANDIDATE,
        ('transform: {name: concat, sep: ", "}', 'transform: {name: concat, sep: " / "}'),
    )
    assert 'transform of `location` changed from concat(sep=", ") to concat(sep=" / ")' in texts(
        SF_CANDIDATE, params
    )


def test_an_added_personal_field_says_it_is_personal_data_and_masked(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        SF_CANDIDATE,
        append=MASKED_ID,
    )
    assert (
        "field `id_number` added: from `nationalId`, personal data, masked with mask(keep=4)"
        in texts(SF_CANDIDATE, new)
    )


def test_removing_a_mask_is_spelled_out(tmp_path: Path) -> None:
    masked = edited(
        tmp_path / "a",
        SF_CANDIDATE,
        append=MASKED_ID,
    )
    bare = edited(
        tmp_path / "b",
        SF_CANDIDATE,
        append="  id_number: {from: nationalId, personal_data: true}\n",
    )
    assert (
        "field `id_number` is no longer masked with mask(keep=4): the value goes as it is"
        in texts(masked, bare)
    )


def test_removed_required_default_personal_and_note_changes(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        NC_PRE_HIRE,
        ("  email: {from: email, personal_data: true}\n", ""),
        (
            'idtype: {default: "0", note: 0 = resident id card.}',
            'idtype: {default: "1", note: 1 = passport.}',
        ),
        ("jobname: {from: position, required: true}", "jobname: {from: position}"),
        (
            "name: {from: name, required: true, personal_data: true}",
            "name: {from: name, required: true}",
        ),
    )
    lines = texts(NC_PRE_HIRE, new)
    assert lines[1:] == [
        "field `email` removed (it came from `email`, personal data)",
        "field `name` is no longer marked personal data",
        'default of `idtype` changed from "0" to "1"',
        'note of `idtype` changed from "0 = resident id card." to "1 = passport."',
        "field `jobname` is no longer required",
    ]


def test_a_renamed_target_is_one_change_not_a_removal_and_an_addition(tmp_path: Path) -> None:
    new = edited(
        tmp_path, NC_PRE_HIRE, ("  jobname: {from: position", "  job_name: {from: position")
    )
    assert texts(NC_PRE_HIRE, new)[1:] == [
        "field `jobname` renamed to `job_name` (same source and rules)"
    ]


def test_a_new_condition_is_described(tmp_path: Path) -> None:
    new = edited(
        tmp_path,
        NC_PRE_HIRE,
        (
            "  email: {from: email, personal_data: true}",
            "  email: {from: email, personal_data: true, when: {path: email_ok, equals: true}}",
        ),
    )
    [line] = texts(NC_PRE_HIRE, new)[1:]
    assert line == "field `email` is now only set when email_ok == True"


def test_comments_alone_change_the_version_and_say_so(tmp_path: Path) -> None:
    new = edited(tmp_path, NC_PRE_HIRE, append="# reviewed 2025-03\n")
    result = diff_mappings(Mapping.load(NC_PRE_HIRE), Mapping.load(new))
    assert not result.identical
    assert [c.kind for c in result.changes] == ["version", "layout"]
    assert "only comments or layout changed" in result.lines()[1]


def test_the_json_form_carries_old_and_new_values(tmp_path: Path) -> None:
    new = edited(tmp_path, UPSERT, ("transform: iso_date", "transform: sf_date"))
    document = diff_mappings(Mapping.load(UPSERT), Mapping.load(new)).to_dict()
    change = next(c for c in document["changes"] if c["kind"] == "transform")
    assert (change["field"], change["old"], change["new"]) == ("hire_date", "iso_date", "sf_date")
    assert document["old"]["version"] != document["new"]["version"]


def test_bad_input_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(DiffInputError, match="no such file"):
        load_file(tmp_path / "missing.out.yaml")
    assert split_revisions("HEAD~2..HEAD") == ("HEAD~2", "HEAD")
    assert split_revisions("main..") == ("main", None)
    for bad in ("..HEAD", "A...B", ""):
        with pytest.raises(DiffInputError, match=r"A\.\.B"):
            split_revisions(bad)


def test_the_diff_is_the_same_every_time(tmp_path: Path) -> None:
    new = edited(
        tmp_path, NC_PRE_HIRE, ("  jobname: {from: position", "  job_name: {from: position")
    )
    first = diff_mappings(Mapping.load(NC_PRE_HIRE), Mapping.load(new)).to_dict()
    assert first == diff_mappings(Mapping.load(NC_PRE_HIRE), Mapping.load(new)).to_dict()


@pytest.mark.parametrize(
    "rev", ["--output=/tmp/x", "-p", "HEAD:./x", "..", "../../etc", "a..b", ""]
)
def test_a_revision_that_could_be_an_option_path_or_range_is_refused_before_git_runs(
    tmp_path: Path, rev: str
) -> None:
    with pytest.raises(BadRevision, match="is not a git revision"):
        load_revision(REPO_ROOT / "mappings" / "successfactors" / "job.in.yaml", rev, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("rev", ["HEAD~1", "main", "origin/main", "a1b2c3d", "v1.2", "HEAD@{2}"])
def test_revisions_as_people_write_them_pass_the_check(rev: str) -> None:
    assert check_revision(rev) == rev
