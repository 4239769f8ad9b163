"""Job profiles of the flow: the shipped ones load, and mistakes name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hrhub.flow.job_profiles import JOBS_DIR_ENV, InterviewerPanel, JobProfiles
from hrhub.scoring.screening.profile import ProfileError

GOOD = """\
match_titles: [客服主管, 客服经理]
interview: {family: customer_service}
screening: {title: 客服主管, required_skills: [客服, Excel]}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_profiles_cover_every_simulated_requisition_title() -> None:
    from connectors.successfactors.simulator import JOBS

    profiles = JobProfiles.load()
    for title, _, _ in JOBS:
        profile = profiles.for_title(title)
        assert profile is not None, title
        assert profile.family in {"sales", "customer_service", "data_engineering"}
        assert profile.screening.required_skills


def test_titles_match_whatever_their_spacing_and_case(tmp_path: Path) -> None:
    write(tmp_path, "cs", GOOD)
    write(tmp_path, "pm", GOOD.replace("[客服主管, 客服经理]", "[Product  Manager]"))
    profiles = JobProfiles.load(tmp_path)
    assert profiles.for_title("客服经理").name == "cs"
    assert profiles.for_title(" product manager ").name == "pm"
    assert profiles.for_title("飞行员") is None and profiles.for_title(None) is None
    job = profiles.for_title("客服主管").for_job("successfactors:job:9")
    assert job.job_id == "successfactors:job:9" and job.title == "客服主管"


def test_the_directory_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "cs", GOOD)
    monkeypatch.setenv(JOBS_DIR_ENV, str(tmp_path))
    assert [p.name for p in JobProfiles.load().profiles] == ["cs"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (GOOD.replace("customer_service", "astronaut"), "interview.family"),
        (GOOD.replace("match_titles: [客服主管, 客服经理]", "match_titles: []"), "match_titles"),
        (GOOD + "salary: 1\n", "unknown field(s) salary"),
        (GOOD.replace("title: 客服主管, ", ""), "field 'title' is required"),
        ("- a list\n", "expected a mapping"),
        ("match_titles: [x\n", "cannot read"),
    ],
)
def test_a_broken_profile_names_the_file_and_the_field(
    tmp_path: Path, text: str, says: str
) -> None:
    path = write(tmp_path, "broken", text)
    with pytest.raises(ProfileError) as caught:
        JobProfiles.load(tmp_path)
    assert str(path) in str(caught.value) and says in str(caught.value)


def test_one_title_in_two_profiles_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a", GOOD)
    write(tmp_path, "b", GOOD)
    with pytest.raises(ProfileError, match="matched by both a and b"):
        JobProfiles.load(tmp_path)


def test_a_missing_directory_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=JOBS_DIR_ENV):
        JobProfiles.load(tmp_path / "nowhere")


def test_an_interviewer_panel_loads_and_is_optional(tmp_path: Path) -> None:
    write(tmp_path, "cs", GOOD + 'interviewers: {departments: [3, 3], userids: ["0123"]}\n')
    write(tmp_path, "pm", GOOD.replace("[客服主管, 客服经理]", "[Product Manager]"))
    profiles = JobProfiles.load(tmp_path)
    panel = profiles.for_title("客服主管").interviewers
    assert panel == InterviewerPanel(departments=(3,), userids=("0123",))
    assert profiles.for_title("Product Manager").interviewers is None


def test_the_shipped_panels_name_departments_the_dingtalk_sandbox_has() -> None:
    from connectors.dingtalk.sim_data import DEPARTMENTS

    panels = [p.interviewers for p in JobProfiles.load().profiles]
    named = [panel for panel in panels if panel is not None]
    assert named and None in panels, "some jobs name a panel, others keep the default"
    for panel in named:
        assert set(panel.departments) <= set(DEPARTMENTS)


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ("interviewers: [2]", "field 'interviewers' must be a mapping"),
        ("interviewers:", "field 'interviewers' must be a mapping"),
        ("interviewers: {teams: [2]}", "field 'interviewers' has unknown field(s) teams"),
        ("interviewers: {departments: [研发部]}", "field 'interviewers.departments'"),
        ("interviewers: {departments: [0]}", "field 'interviewers.departments'"),
        ("interviewers: {departments: 2}", "field 'interviewers.departments'"),
        ("interviewers: {userids: [123456]}", "field 'interviewers.userids'"),
        ('interviewers: {userids: [""]}', "field 'interviewers.userids'"),
        ("interviewers: {departments: [], userids: []}", "names no department and no userid"),
    ],
)
def test_a_broken_interviewer_panel_names_the_file_and_the_field(
    tmp_path: Path, section: str, says: str
) -> None:
    path = write(tmp_path, "broken", GOOD + section + "\n")
    with pytest.raises(ProfileError) as caught:
        JobProfiles.load(tmp_path)
    assert str(path) in str(caught.value) and says in str(caught.value)
