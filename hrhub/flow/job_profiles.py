"""Job profiles of the flow: what hrhub screens and interviews each requisition for.

Source systems say which jobs are open; they do not say which skills to screen for, which
must-haves apply or which interview rubric fits. HR says that once per kind of job, in
`jobs/<name>.yaml` (`$HRHUB_JOBS_DIR` names another directory)::

    match_titles: [销售经理]            # requisition titles this profile applies to
    interview: {family: sales}         # the rubric (hrhub/scoring/interview/families/)
    screening: {title: 销售经理, required_skills: [...], must_haves: [...], ...}
    interviewers: {departments: [4], userids: ["manager4220"]}   # optional: the hiring panel

`screening` is a screening job profile (`hrhub screen --job` reads the same fields). A
requisition whose title no profile matches is not screened: its applications wait in dead
letters naming the title and the directory, and `hrhub replay` screens them once HR added one.

`interviewers` names who may interview for the job: the members of DingTalk departments (by
dept id; the department's own members, as DingTalk's user/listid lists them) and/or DingTalk
userids (quoted: they are strings). Without it, every on-job person is eligible (up to the
schedule step's cap). A panel that resolves to nobody letters the job's applications.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from hrhub.scoring.interview import CompetencyModelError, load_competency_model
from hrhub.scoring.screening.profile import JobProfile, ProfileError

__all__ = ["JOBS_DIR_ENV", "FlowProfile", "InterviewerPanel", "JobProfiles", "jobs_dir"]

JOBS_DIR_ENV = "HRHUB_JOBS_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
_KEYS = {"match_titles", "interview", "screening", "interviewers"}
_PANEL_KEYS = {"departments", "userids"}


def jobs_dir() -> Path:
    """`$HRHUB_JOBS_DIR`, or the repository's `jobs/`."""
    configured = os.environ.get(JOBS_DIR_ENV)
    return Path(configured) if configured else REPO_ROOT / "jobs"


@dataclass(frozen=True)
class InterviewerPanel:
    """Who may interview for a job: members of DingTalk departments and named userids."""

    departments: tuple[int, ...] = ()
    userids: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowProfile:
    """One kind of job: its screening profile, its interview rubric's family and its panel
    (`interviewers`; None: every on-job person)."""

    name: str
    match_titles: tuple[str, ...]
    family: str
    screening: JobProfile
    interviewers: InterviewerPanel | None = None

    def for_job(self, job_id: str) -> JobProfile:
        """The screening profile with the requisition's own id (results name the job)."""
        return replace(self.screening, job_id=job_id)


class JobProfiles:
    """Every profile of a directory, looked up by requisition title."""

    def __init__(self, profiles: list[FlowProfile], where: str) -> None:
        self.profiles = profiles
        self.where = where
        self._by_title: dict[str, FlowProfile] = {}
        for profile in profiles:
            for title in profile.match_titles:
                key = _key(title)
                other = self._by_title.get(key)
                if other is not None:
                    raise ProfileError(
                        f"{where}: title {title!r} is matched by both {other.name} and "
                        f"{profile.name}; one title, one profile"
                    )
                self._by_title[key] = profile

    @classmethod
    def load(cls, directory: str | Path | None = None) -> JobProfiles:
        """Read `*.yaml` of the directory; ProfileError names the file and the field."""
        root = Path(directory) if directory is not None else jobs_dir()
        if not root.is_dir():
            raise ProfileError(f"{root}: no job profiles directory (set ${JOBS_DIR_ENV})")
        profiles = [_load_one(path) for path in sorted(root.glob("*.yaml"))]
        return cls(profiles, str(root))

    def for_title(self, title: str | None) -> FlowProfile | None:
        return self._by_title.get(_key(title or ""))


def _key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _load_one(path: Path) -> FlowProfile:
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"{where}: cannot read the job profile: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: expected a mapping with {', '.join(sorted(_KEYS))}")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ProfileError(f"{where}: unknown field(s) {', '.join(unknown)}")
    titles = data.get("match_titles")
    if not isinstance(titles, list) or not titles or not all(isinstance(t, str) for t in titles):
        raise ProfileError(f"{where}: field 'match_titles' must be a non-empty list of titles")
    family = _family(data.get("interview"), where)
    screening = data.get("screening")
    if not isinstance(screening, Mapping):
        raise ProfileError(f"{where}: field 'screening' must be a screening job profile")
    job = JobProfile.from_dict(dict(screening), where=f"{where}: screening", default_id=path.stem)
    panel = _interviewers(data["interviewers"], where) if "interviewers" in data else None
    return FlowProfile(path.stem, tuple(titles), family, job, panel)


def _family(interview: Any, where: str) -> str:
    family = interview.get("family") if isinstance(interview, Mapping) else None
    if not isinstance(family, str) or not family:
        raise ProfileError(f"{where}: field 'interview.family' is required (e.g. sales)")
    try:
        load_competency_model(family)
    except CompetencyModelError as exc:
        raise ProfileError(f"{where}: field 'interview.family': {exc}") from None
    return family


def _interviewers(value: Any, where: str) -> InterviewerPanel:
    """The `interviewers` section: DingTalk dept ids and/or userids, at least one of them."""
    field = f"{where}: field 'interviewers"
    if not isinstance(value, Mapping):
        raise ProfileError(f"{field}' must be a mapping with departments and/or userids")
    unknown = sorted(str(k) for k in set(value) - _PANEL_KEYS)
    if unknown:
        raise ProfileError(f"{field}' has unknown field(s) {', '.join(unknown)}")
    departments = value.get("departments")
    departments = [] if departments is None else departments
    if not isinstance(departments, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in departments
    ):
        raise ProfileError(
            f"{field}.departments' must be a list of DingTalk department ids (positive "
            f"integers), got {departments!r}"
        )
    userids = value.get("userids")
    userids = [] if userids is None else userids
    if not isinstance(userids, list) or not all(isinstance(u, str) and u for u in userids):
        raise ProfileError(
            f"{field}.userids' must be a list of DingTalk userids (non-empty strings; quote "
            f"numeric ones), got {userids!r}"
        )
    if not departments and not userids:
        raise ProfileError(
            f"{field}' names no department and no userid; remove it to let every on-job "
            "person interview"
        )
    return InterviewerPanel(tuple(dict.fromkeys(departments)), tuple(dict.fromkeys(userids)))
