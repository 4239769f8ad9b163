"""Who may see and do what in hrhub's pages: four roles, each a fixed set of permissions.

Airflow's auth manager says who a person is; hrhub's role directory says which hrhub role
that login has (and, for a recruiter, which SuccessFactors user owns their requisitions).
The directory is configuration, `[hrhub_web] roles` in airflow.cfg, so an operator changes
it where the rest of the deployment is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    HR_ADMIN = "hr_admin"
    RECRUITER = "recruiter"
    RECRUITING_MANAGER = "recruiting_manager"
    AUDITOR = "auditor"


class Permission(StrEnum):
    VIEW_STATUS = "view_status"
    VIEW_CANDIDATES = "view_candidates"
    ALL_REQUISITIONS = "all_requisitions"
    PERSONAL_DATA = "personal_data"
    REPLAY = "replay"
    VIEW_RESULTS = "view_results"
    REVIEW_RESULTS = "review_results"
    VIEW_MAPPINGS = "view_mappings"
    APPROVE_MAPPINGS = "approve_mappings"
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_REPORTS = "view_reports"
    VIEW_BIAS_REPORT = "view_bias_report"


P = Permission
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    # Runs the pipelines day to day: everything about records, nothing about approving mappings.
    Role.HR_ADMIN: frozenset(
        {
            P.VIEW_STATUS,
            P.VIEW_CANDIDATES,
            P.ALL_REQUISITIONS,
            P.PERSONAL_DATA,
            P.REPLAY,
            P.VIEW_RESULTS,
            P.REVIEW_RESULTS,
            P.VIEW_MAPPINGS,
            P.VIEW_REPORTS,
        }
    ),
    # Their own requisitions' candidates and results, contact data included (they call them).
    Role.RECRUITER: frozenset({P.VIEW_STATUS, P.VIEW_CANDIDATES, P.PERSONAL_DATA, P.VIEW_RESULTS}),
    # Every requisition's results, and the decisions on results held for review.
    Role.RECRUITING_MANAGER: frozenset(
        {
            P.VIEW_STATUS,
            P.VIEW_CANDIDATES,
            P.ALL_REQUISITIONS,
            P.PERSONAL_DATA,
            P.VIEW_RESULTS,
            P.REVIEW_RESULTS,
            P.VIEW_REPORTS,
        }
    ),
    # Mappings, the audit log and the bias report; records only masked, as the audit needs them.
    Role.AUDITOR: frozenset(
        {
            P.VIEW_STATUS,
            P.VIEW_CANDIDATES,
            P.ALL_REQUISITIONS,
            P.VIEW_MAPPINGS,
            P.APPROVE_MAPPINGS,
            P.VIEW_AUDIT_LOG,
            P.VIEW_REPORTS,
            P.VIEW_BIAS_REPORT,
        }
    ),
}


class RoleConfigError(ValueError):
    """`[hrhub_web] roles` cannot be read: names the entry and what is wrong with it."""


@dataclass(frozen=True)
class Assignment:
    """One login's hrhub role; `owner_id` is the source-system user whose requisitions a
    recruiter owns (default: the login name)."""

    login: str
    role: Role
    owner_id: str

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]


class RoleDirectory:
    """Login name -> assignment. A login not listed has no hrhub role and sees nothing."""

    def __init__(self, assignments: Mapping[str, Assignment]) -> None:
        self._by_login = dict(assignments)

    @classmethod
    def parse(cls, spec: str) -> RoleDirectory:
        """`login:role[:owner_id]`, comma-separated, e.g. `li.na:recruiter:recruiter01`."""
        found: dict[str, Assignment] = {}
        for raw in spec.replace("\n", ",").split(","):
            entry = raw.strip()
            if not entry:
                continue
            parts = [p.strip() for p in entry.split(":")]
            if len(parts) not in (2, 3) or not all(parts):
                raise RoleConfigError(
                    f"[hrhub_web] roles: entry {entry!r} is not login:role or login:role:owner_id"
                )
            login, role = parts[0], parts[1]
            if role not in Role.__members__.values():
                known = ", ".join(r.value for r in Role)
                raise RoleConfigError(
                    f"[hrhub_web] roles: entry {entry!r} names role {role!r}; known: {known}"
                )
            if login in found:
                raise RoleConfigError(f"[hrhub_web] roles: login {login!r} is listed twice")
            owner = parts[2] if len(parts) == 3 else login
            found[login] = Assignment(login=login, role=Role(role), owner_id=owner)
        return cls(found)

    @classmethod
    def from_airflow_config(cls) -> RoleDirectory:
        """The directory airflow.cfg (or AIRFLOW__HRHUB_WEB__ROLES) gives."""
        from airflow.configuration import conf

        return cls.parse(conf.get("hrhub_web", "roles", fallback=""))

    def get(self, login: str) -> Assignment | None:
        return self._by_login.get(login)

    def __len__(self) -> int:
        return len(self._by_login)
