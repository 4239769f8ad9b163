"""The data model of the SuccessFactors Recruiting OData v2 service that hrhub simulates.

Why it exists: the simulator, ``$metadata`` and the query engine must agree on one model, and
that model must match SAP's. Documented sets carry SAP's own property names, Edm types and
``sap:`` flags as data facts taken from the public RCM EDMX (checked by
``tests/unit/successfactors/test_model_matches_sap_edmx.py``); only the subset hrhub uses is
modelled. Sets with no public EDMX (``documented=False``) follow the research dossier.

Records are plain dicts keyed by property name. ``EntitySetDef.hidden`` names link columns a
record may carry that the API never shows (SAP keeps them server-side, e.g. which application an
audit-trail row belongs to); navigation joins may use them, responses must drop them.
A ``Nav`` with ``computed=True`` joins nothing: the server builds its records from the source
record (a resume Attachment is made from its application), so it has no ``on`` columns. A
``Nav`` with ``where`` keeps only the joined records holding fixed values: JobRequisition's
``recruiter`` and ``hiringManager`` are its operators in one role each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.successfactors.odata_query import ODataError

__all__ = [
    "APPLICATION_STATUS_CODES",
    "EDM_TYPES",
    "ENTITY_SETS",
    "NAMESPACE",
    "OPERATOR_ROLES",
    "PICKLISTS",
    "EntitySetDef",
    "Nav",
    "Prop",
]

NAMESPACE = "SFOData"

STR, I64, I32 = "Edm.String", "Edm.Int64", "Edm.Int32"
BOOL, DBL, DEC = "Edm.Boolean", "Edm.Double", "Edm.Decimal"
DT, DTO = "Edm.DateTime", "Edm.DateTimeOffset"
BIN = "Edm.Binary"
EDM_TYPES = frozenset({STR, I64, I32, BOOL, DBL, DEC, DT, DTO, BIN})


@dataclass(frozen=True)
class Prop:
    """One property with SAP's flags; ``picklist`` names an entry of ``PICKLISTS``.

    A picklist named here but absent from ``PICKLISTS`` is not validated (SAP's tenant
    picklists are configuration, not API). Values are checked as ``str(value)``.
    """

    name: str
    edm_type: str
    nullable: bool = True
    max_length: int | None = None
    required: bool = False
    creatable: bool = True
    updatable: bool = True
    upsertable: bool = True
    filterable: bool = True
    sortable: bool = True
    label: str = ""
    picklist: str | None = None


@dataclass(frozen=True)
class Nav:
    """A navigation property: records of ``target`` (a set name) whose columns match ``on``.

    ``on`` pairs are (local column, target column); either may be a hidden link column.
    ``relationship`` is the Association name in ``$metadata`` (SAP's where documented).
    ``computed``: no join; the server derives the target records from the source record and
    ``on`` is empty. ``documented=False``: SAP's public EDMX of the owning set does not have
    this navigation (it comes from another SAP API), like ``EntitySetDef.documented``.
    ``where`` pairs are (target column, value) every joined record must also hold: several
    navigations can share one target set and split it (operators by role).
    """

    name: str
    target: str
    many: bool
    on: tuple[tuple[str, str], ...]
    relationship: str | None = None
    computed: bool = False
    documented: bool = True
    where: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class EntitySetDef:
    """An entity set; its entity type has the same name in namespace ``SFOData``."""

    name: str
    key: tuple[str, ...]
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...] = ()
    creatable: bool = True
    updatable: bool = True
    upsertable: bool = True
    deletable: bool = False
    documented: bool = True
    hidden: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        by_name = {p.name: p for p in self.props}
        if len(by_name) != len(self.props):
            raise ValueError(f"{self.name}: duplicate property")
        missing = [k for k in self.key if k not in by_name]
        if missing:
            raise ValueError(f"{self.name}: key {missing} is not a property")
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_navs", {n.name: n for n in self.navs})

    @property
    def type_name(self) -> str:
        return f"{NAMESPACE}.{self.name}"

    def has_prop(self, name: str) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def prop(self, name: str) -> Prop:
        """The property called ``name``, or SAP's 400 COE_PROPERTY_NOT_FOUND."""
        try:
            return self._by_name[name]  # type: ignore[attr-defined]
        except KeyError:
            raise ODataError(
                400,
                "COE_PROPERTY_NOT_FOUND",
                f"[COE0021]Invalid property names: {self.name}/{name}. Please check the "
                "property name in $metadata.",
            ) from None

    def has_nav(self, name: str) -> bool:
        return name in self._navs  # type: ignore[attr-defined]

    def nav(self, name: str) -> Nav:
        """The navigation property called ``name``, or 400 COE_PROPERTY_NOT_FOUND."""
        try:
            return self._navs[name]  # type: ignore[attr-defined]
        except KeyError:
            raise ODataError(
                400,
                "COE_PROPERTY_NOT_FOUND",
                f"[COE0021]Invalid navigation property: {self.name}/{name}.",
            ) from None


def _p(name: str, edm_type: str, flags: str, **kw: object) -> Prop:
    """Build a Prop from a flags string "RCUPFS" (required, creatable, updatable, upsertable,
    filterable, sortable), '-' for false: keeps the tables below one line per property."""
    if len(flags) != 6 or edm_type not in EDM_TYPES:
        raise ValueError(f"bad property spec {name}")
    on = [c != "-" for c in flags]
    return Prop(
        name,
        edm_type,
        required=on[0],
        creatable=on[1],
        updatable=on[2],
        upsertable=on[3],
        filterable=on[4],
        sortable=on[5],
        **kw,  # type: ignore[arg-type]
    )


# --- documented sets: names, types and flags as in SAP's RCMCandidate.edmx ---------------

_CANDIDATE = EntitySetDef(
    "Candidate",
    key=("candidateId",),
    props=(
        _p("candidateId", I64, "--UPFS", nullable=False, label="Candidate Id"),
        _p("firstName", STR, "RCUPFS", label="First Name"),
        _p("lastName", STR, "RCUPFS", label="Last Name"),
        _p("middleName", STR, "-CUPFS", label="Middle Name"),
        _p("contactEmail", STR, "RCUPFS", label="Email Address"),
        _p("primaryEmail", STR, "RC-PFS", nullable=False, label="Primary Email"),
        _p("cellPhone", STR, "-CUPFS", label="Primary Phone"),
        _p("homePhone", STR, "-CUPFS", label="Secondary Phone"),
        _p("country", STR, "-CUPFS", label="Country of Residence", picklist="country"),
        _p("city", STR, "-CUPFS", label="City"),
        _p("address", STR, "-CUPFS", label="Address line 1"),
        _p("zip", STR, "-CUPFS", label="Zip Code"),
        _p("currentTitle", STR, "-CUPFS", label="Current Title"),
        _p("externalCandidate", BOOL, "----FS", nullable=False, label="External Candidate"),
        _p("candidateLocale", STR, "------", nullable=False, label="Candidate Locale"),
        _p("creationDateTime", DTO, "------", nullable=False, label="Creation Date"),
        _p("lastModifiedDateTime", DTO, "----FS", nullable=False, label="Last Modified Date"),
        _p("dateofAvailability", DTO, "------", nullable=False, label="Date of Availability"),
    ),
    navs=(
        Nav(
            "education",
            "CandidateBackground_Education",
            many=True,
            on=(("candidateId", "candidateId"),),
            relationship="Candidate_bg_asso_prefix_CandidateBackground_EducationNavigation",
        ),
        Nav(
            "outsideWorkExperience",
            "CandidateBackground_OutsideWorkExperience",
            many=True,
            on=(("candidateId", "candidateId"),),
            relationship=(
                "Candidate_bg_asso_prefix_CandidateBackground_OutsideWorkExperienceNavigation"
            ),
        ),
    ),
)

_EDUCATION = EntitySetDef(
    "CandidateBackground_Education",
    key=("backgroundElementId",),
    props=(
        _p("backgroundElementId", I64, "-CUPF-", nullable=False, label="Background Element Id"),
        _p("candidateId", I64, "-CUPF-", nullable=False, label="Candidate Id"),
        _p("bgOrderPos", I64, "-----S", nullable=False, label="Background Order Position"),
        _p("school", STR, "-CUP--", label="School"),
        _p("schoolCountry", STR, "-CUP--", picklist="country", label="School Country"),
        _p("degree", STR, "-CUP--", picklist="degree", label="Degree"),
        _p("major", STR, "-CUP--", picklist="major", label="Major"),
        _p("startDate", DT, "-CUP--", label="From Date"),
        _p("endDate", DT, "-CUP--", label="End Date"),
        _p("lastModifiedDateTime", DTO, "----F-", nullable=False, label="Last Modified Date"),
    ),
    navs=(
        Nav(
            "candidate",
            "Candidate",
            many=False,
            on=(("candidateId", "candidateId"),),
            relationship="Candidate_bg_asso_prefix_CandidateBackground_EducationNavigation",
        ),
    ),
)

_OUTSIDE_WORK = EntitySetDef(
    "CandidateBackground_OutsideWorkExperience",
    key=("backgroundElementId",),
    props=(
        _p("backgroundElementId", I64, "-CUPF-", nullable=False, label="Background Element Id"),
        _p("candidateId", I64, "-CUPF-", nullable=False, label="Candidate Id"),
        _p("bgOrderPos", I64, "-----S", nullable=False, label="Background Order Position"),
        _p("employer", STR, "-CUP--", label="Company Name"),
        _p("employerCountry", STR, "-CUP--", picklist="country", label="Employer Country"),
        _p("startTitle", STR, "-CUP--", label="Title"),
        _p(
            "presentEmployer",
            STR,
            "-CUP--",
            picklist="forEmp",
            label="Is this your present employer?",
        ),
        _p("startDate", DT, "-CUP--", label="Start Date"),
        _p("endDate", DT, "-CUP--", label="End Date"),
        _p("lastModifiedDateTime", DTO, "----F-", nullable=False, label="Last Modified Date"),
    ),
    navs=(
        Nav(
            "candidate",
            "Candidate",
            many=False,
            on=(("candidateId", "candidateId"),),
            relationship=(
                "Candidate_bg_asso_prefix_CandidateBackground_OutsideWorkExperienceNavigation"
            ),
        ),
    ),
)

# --- documented sets: as in SAP's RCMJobApplication.edmx ---------------------------------
# The EDMX has no resume-text property on JobApplication (resumes are attachments in SAP);
# resumeUploadDate is the nearest documented field. The resume itself is the navigation
# ``resume`` to a Foundation ``Attachment``: a tenant's application template field, absent
# from the public RCM EDMX, hence documented=False.
# ``status`` is creatable/updatable in the EDMX, but since release 1811 SAP refuses direct
# status changes: the simulator enforces that as behaviour; the flags stay SAP's.

_JOB_APPLICATION = EntitySetDef(
    "JobApplication",
    key=("applicationId",),
    props=(
        _p("applicationId", I64, "--UPFS", nullable=False, label="Application Id"),
        _p("candidateId", I64, "-CUPF-", nullable=False, label="Candidate Id"),
        _p("jobReqId", I64, "-CUPF-", nullable=False, label="Job Requisition Id"),
        _p("appStatusSetItemId", I64, "-CUP--", label="Job Application Status Item Id"),
        _p("status", STR, "-CUPFS", label="System Status"),
        _p("firstName", STR, "RCUPFS", label="First Name"),
        _p("lastName", STR, "RCUPFS", label="Last Name"),
        _p("middleName", STR, "-CUPFS", label="Middle Name"),
        _p("contactEmail", STR, "RCUP--", label="Email Address"),
        _p("cellPhone", STR, "RCUP--", label="Cell Phone"),
        _p("country", STR, "RCUP--", label="Country", picklist="country"),
        _p("city", STR, "-CUP--", label="City"),
        _p("source", STR, "-CUPF-", label="Source"),
        _p("hireDate", DTO, "-CUP--", label="Hire Date"),
        _p("jobAppGuid", STR, "----F-", label="Application GU Id"),
        _p("appLocale", STR, "-CUPF-", label="Application Locale"),
        _p("averageRating", DEC, "-CUP--", label="Rating"),
        _p("currentTitle", STR, "-CUP--", label="Current Title"),
        _p("statusComments", STR, "-CUPF-", label="Status Comments"),
        _p("resumeUploadDate", DTO, "----F-", label="Resume Upload Date"),
        _p("lastModifiedDateTime", DTO, "----FS", label="Last Modified Date Time"),
    ),
    navs=(
        Nav(
            "jobAppStatus",
            "JobApplicationStatus",
            many=False,
            on=(("appStatusSetItemId", "appStatusId"),),
            relationship="RcmJobApplication_parent_RcmJobApplicationStatus",
        ),
        Nav(
            "jobApplicationStatusAuditTrail",
            "JobApplicationStatusAuditTrail",
            many=True,
            on=(("applicationId", "applicationId"),),
            relationship="RcmJobApplication_child_JobApplicationStatusAuditTrail",
        ),
        Nav(
            "jobApplicationComments",
            "JobApplicationComments",
            many=True,
            on=(("applicationId", "applicationId"),),
            relationship="RcmJobApplication_parent_Application_Comments",
        ),
        Nav(
            "jobApplicationAssessmentOrder",
            "JobApplicationAssessmentOrder",
            many=True,
            on=(("applicationId", "applicationId"),),
            relationship="JobApplicationAssessmentOrder_parent_JobApplication",
        ),
        Nav(
            "resume",
            "Attachment",
            many=False,
            on=(),
            computed=True,
            documented=False,
        ),
    ),
)

_STATUS = EntitySetDef(
    "JobApplicationStatus",
    key=("appStatusSetId",),
    props=(
        _p("appStatusSetId", I64, "------", nullable=False, label="Applicaiton Status Set Id"),
        _p("appStatusId", I64, "----FS", label="Application Status Id"),
        _p("appStatusName", STR, "----F-", nullable=False, label="Application Status Name"),
    ),
    navs=(
        Nav(
            "jobAppStatusLabel",
            "JobApplicationStatusLabel",
            many=True,
            on=(("appStatusId", "appStatusId"),),
            relationship="ApplicationStatus_parent_ApplicationStatus_Local",
        ),
        Nav(
            "jobApplications",
            "JobApplication",
            many=True,
            on=(("appStatusId", "appStatusSetItemId"),),
            relationship="RcmJobApplication_parent_RcmJobApplicationStatus",
        ),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
)

_STATUS_LABEL = EntitySetDef(
    "JobApplicationStatusLabel",
    key=("appStatusId",),
    props=(
        _p("appStatusId", I64, "----FS", nullable=False, label="Application Status Id"),
        _p("locale", STR, "-----S", nullable=False, label="Locale"),
        _p("statusLabel", STR, "----FS", nullable=False, label="Application Status Label"),
        _p("candidateLabel", STR, "----FS", label="Candidate Label"),
    ),
    navs=(
        Nav(
            "appStatus",
            "JobApplicationStatus",
            many=False,
            on=(("appStatusId", "appStatusId"),),
            relationship="ApplicationStatus_parent_ApplicationStatus_Local",
        ),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
)

_AUDIT_TRAIL = EntitySetDef(
    "JobApplicationStatusAuditTrail",
    key=("revNumber",),
    props=(
        _p("revNumber", I64, "-----S", nullable=False, label="Rev Number"),
        _p("revType", I32, "-----S", nullable=False, label="Rev Type"),
        _p("skippedStatus", I32, "-----S", label="Skipped Status"),
        _p("statusComments", STR, "-----S", label="Status Comments"),
        _p("createdBy", STR, "-----S", label="Created By"),
        _p("createdDateTime", DTO, "----FS", label="Created Date"),
        _p("lastModifiedBy", STR, "-----S", label="Last Modified By"),
        _p("lastModifiedDateTime", DTO, "----FS", label="Last Modified Date"),
        _p("lastModifiedProxyUser", STR, "-----S", label="Last modified proxy user"),
    ),
    navs=(
        Nav(
            "jobApplication",
            "JobApplication",
            many=False,
            on=(("applicationId", "applicationId"),),
            relationship="RcmJobApplication_parent_ApplicationStatus_AuditTrail",
        ),
        Nav(
            "jobAppStatus",
            "JobApplicationStatus",
            many=False,
            on=(("appStatusId", "appStatusId"),),
            relationship="RcmJobApplicationStatusAuditTrail_parent_RcmJobApplicationStatus",
        ),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
    hidden=("applicationId", "appStatusId"),
)

_COMMENTS = EntitySetDef(
    "JobApplicationComments",
    key=("commentId",),
    props=(
        _p("commentId", I64, "--UPFS", nullable=False, label="Comment Id"),
        _p("applicationId", I64, "-CUPFS", label="Application Id"),
        _p("content", STR, "-CUP--", label="Content"),
        _p("commentator", STR, "------", label="Commentator"),
        _p("refType", STR, "------", label="Reference Type"),
        _p("associatedCommentId", I64, "------", label="Associated Comment Id"),
        _p("associatedId", STR, "------", label="Associated Id"),
        _p("hasAssociatedComment", STR, "------", label="Has Associated Comment"),
    ),
    navs=(
        Nav(
            "jobApplication",
            "JobApplication",
            many=False,
            on=(("applicationId", "applicationId"),),
            relationship="RcmJobApplication_parent_Application_Comments",
        ),
    ),
)

_ASSESSMENT_ORDER = EntitySetDef(
    "JobApplicationAssessmentOrder",
    key=("id",),
    props=(
        _p("id", I64, "----FS", nullable=False, label="Assessment Order Id"),
        _p("applicationId", I64, "----FS", nullable=False, label="Job Application ID"),
        _p("vendorCode", STR, "----FS", label="vendorCode"),
        _p("createdBy", STR, "----FS", label="Created By"),
        _p("createdDateTime", DTO, "----FS", label="Created Date Time"),
        _p("lastModifiedBy", STR, "----FS", nullable=False, label="Last Modified By"),
        _p("lastModifiedDateTime", DTO, "----FS", label="Last Modified Date"),
    ),
    navs=(
        Nav(
            "assessmentReport",
            "JobApplicationAssessmentReport",
            many=True,
            on=(("id", "orderId"),),
            relationship="JobApplicationAssessmentOrder_Report_assos_id",
        ),
        Nav(
            "jobApplication",
            "JobApplication",
            many=False,
            on=(("applicationId", "applicationId"),),
            relationship="JobApplicationAssessmentOrder_parent_JobApplication",
        ),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
)

_ASSESSMENT_REPORT = EntitySetDef(
    "JobApplicationAssessmentReport",
    key=("id",),
    props=(
        _p("id", I64, "----FS", nullable=False, label="Assessment Report Id"),
        _p("orderId", I64, "----FS", nullable=False, label="Assessment Order ID"),
        _p("reportURL", STR, "-----S", label="Report URL"),
        _p("status", I64, "----FS", label="Status", picklist="assessmentReportStatus"),
        _p("statusDate", DTO, "-----S", label="Status Date"),
        _p("statusDetails", STR, "----FS", nullable=False, label="Status Details"),
    ),
    navs=(
        Nav(
            "jobApplicationAssessmentOrder",
            "JobApplicationAssessmentOrder",
            many=False,
            on=(("orderId", "id"),),
            relationship="JobApplicationAssessmentOrder_Report_assos_id",
        ),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
)

# --- undocumented sets: no public EDMX; modelled on the dossier (hr-system-apis.md §1.2) ---

# JobRequisition's operator navigations modelled, and the operatorRole letter each keeps
# (see JobRequisitionOperator below).
OPERATOR_ROLES: dict[str, str] = {"recruiter": "R", "hiringManager": "G"}

_JOB_REQUISITION = EntitySetDef(
    "JobRequisition",
    key=("jobReqId",),
    props=(
        _p("jobReqId", I64, "--UPFS", nullable=False, label="Requisition ID"),
        _p("jobReqGuId", STR, "----F-", label="Requisition GUID"),
        _p("templateId", I64, "-CUPF-", nullable=False, label="Template ID"),
        _p("statusSetId", I64, "----F-", label="Status Set ID"),
        _p("internalStatus", STR, "-CUPFS", label="Internal Status"),
        _p("numberOpenings", I64, "-CUPFS", label="Number of Openings"),
        _p("jobTitle", STR, "-CUPFS", label="Job Title"),
        _p("department", STR, "-CUPFS", label="Department"),
        _p("location", STR, "-CUPFS", label="Location"),
        _p("country", STR, "-CUPFS", label="Country", picklist="country"),
        _p("createdDateTime", DTO, "----FS", nullable=False, label="Created Date"),
        _p("lastModifiedDateTime", DTO, "----FS", nullable=False, label="Last Modified Date"),
    ),
    navs=(
        Nav(
            "hiringManager",
            "JobRequisitionOperator",
            many=True,
            on=(("jobReqId", "jobReqId"),),
            where=(("operatorRole", OPERATOR_ROLES["hiringManager"]),),
        ),
        Nav(
            "recruiter",
            "JobRequisitionOperator",
            many=True,
            on=(("jobReqId", "jobReqId"),),
            where=(("operatorRole", OPERATOR_ROLES["recruiter"]),),
        ),
    ),
    documented=False,
)

# The people on a requisition, one row per person and role: what JobRequisition's operator
# navigations (`recruiter`, `hiringManager`, ...) expand to, a to-many list each. No public
# EDMX; the entity name, property names, Edm types and the key (jobReqId, operatorRole) follow
# SAP's generated SuccessFactors client (robypag/sdk-gen-sfsf,
# src/odata-client/sfo-data-service/JobRequisitionOperator.ts and JobRequisition.ts, dossier
# [S8]). operatorRole holds SAP's recruiting operator letter (SAP Learning, "Identifying
# Recruiting Roles": R recruiter, G hiring manager, O originator, T coordinator, S sourcer,
# W second recruiter, Q VP of staffing). SAP's key is not unique when a role has several people;
# the simulator stores rows under a wider key. Flags are hrhub's reading: read-only here
# (operators are set on the requisition form), filterable on who and which role.

_JOB_REQ_OPERATOR = EntitySetDef(
    "JobRequisitionOperator",
    key=("jobReqId", "operatorRole"),
    props=(
        _p("jobReqId", I64, "----FS", nullable=False, label="Job Requisition Id"),
        _p("operatorRole", STR, "----FS", nullable=False, label="Operator Role"),
        _p("userName", STR, "----FS", nullable=False, label="Operator Username"),
        _p("usersSysId", STR, "----FS", nullable=False, label="Operator Users Sys"),
        _p("firstName", STR, "----FS", nullable=False, label="Operator First Name"),
        _p("lastName", STR, "----FS", nullable=False, label="Operator Last Name"),
        _p("email", STR, "----F-", nullable=False, label="Operator email id"),
        _p("phone", STR, "------", nullable=False, label="Operator phone number"),
        _p("fax", STR, "------", nullable=False, label="Operator fax"),
        _p("isAdminSelected", BOOL, "----F-", nullable=False, label="Is Admin Selected"),
        _p("adminSelectedUserToBeRemoved", BOOL, "------", label="AdminSelectedUserToBeRemoved"),
    ),
    navs=(
        Nav(
            "jobRequisition",
            "JobRequisition",
            many=False,
            on=(("jobReqId", "jobReqId"),),
        ),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
    documented=False,
)

_INTERVIEW = EntitySetDef(
    "JobApplicationInterview",
    key=("applicationInterviewId",),
    props=(
        _p("applicationInterviewId", I64, "--UPFS", nullable=False, label="Interview ID"),
        _p("applicationId", I64, "-CUPFS", nullable=False, label="Application ID"),
        _p("startDate", DTO, "-CUPFS", label="Start Date"),
        _p("endDate", DTO, "-CUPFS", label="End Date"),
        _p("status", STR, "-CUPFS", label="Status"),
        _p("notes", STR, "-CUP--", label="Notes"),
        _p("source", STR, "-CUPF-", label="Source"),
        _p("candSlotMapId", I64, "-CUPF-", label="Candidate Slot Map ID"),
        _p("lastModifiedDateTime", DTO, "----FS", label="Last Modified Date"),
    ),
    navs=(
        Nav(
            "interviewOverallAssessment",
            "InterviewOverallAssessment",
            many=True,
            on=(("applicationInterviewId", "interviewRefId"),),
        ),
    ),
    documented=False,
)

_OVERALL_ASSESSMENT = EntitySetDef(
    "InterviewOverallAssessment",
    key=("interviewOverallAssessmentId",),
    props=(
        _p("interviewOverallAssessmentId", I64, "--UPFS", nullable=False, label="Assessment ID"),
        _p("interviewRefId", I64, "-CUPFS", nullable=False, label="Interview ID"),
        _p("averageRating", DBL, "-CUPFS", label="Average Rating"),
        _p("overallRating", STR, "-CUPFS", label="Overall Rating", picklist="overallRating"),
        _p("comments", STR, "-CUP--", label="Comments"),
        _p("type", STR, "-CUPF-", label="Type"),
        _p("lastModifiedDateTime", DTO, "----FS", label="Last Modified Date"),
    ),
    navs=(
        Nav(
            "interviewIndividualAssessment",
            "InterviewIndividualAssessment",
            many=True,
            on=(("interviewOverallAssessmentId", "refId"),),
        ),
    ),
    documented=False,
)

_INDIVIDUAL_ASSESSMENT = EntitySetDef(
    "InterviewIndividualAssessment",
    key=("interviewIndividualAssessmentId",),
    props=(
        _p(
            "interviewIndividualAssessmentId",
            I64,
            "--UPFS",
            nullable=False,
            label="Individual Assessment ID",
        ),
        _p("refId", I64, "-CUPFS", nullable=False, label="Overall Assessment ID"),
        _p("rating", DBL, "-CUPFS", label="Rating"),
        _p("type", STR, "-CUPF-", label="Type"),
        _p("comments", STR, "-CUP--", label="Comments"),
    ),
    documented=False,
)

# --- undocumented, from SAP's Foundation API rather than Recruiting ----------------------
# A resume as SAP keeps it: an Attachment, reached from JobApplication's ``resume``. Only
# the properties a resume read shows. The service reads it through that navigation only
# (no writes, flags say so; the simulator refuses the set's own URL). No public EDMX gives
# its flags or labels: filterable/sortable are hrhub's reading, labels are left to the name.

_ATTACHMENT = EntitySetDef(
    "Attachment",
    key=("attachmentId",),
    props=(
        _p("attachmentId", I64, "----FS", nullable=False),
        _p("fileName", STR, "----FS"),
        _p("fileExtension", STR, "----F-"),
        _p("mimeType", STR, "----F-"),
        _p("fileContent", BIN, "------"),
        _p("fileSize", I32, "------"),
        _p("module", STR, "----F-"),
        _p("moduleCategory", STR, "----F-"),
        _p("documentCategory", STR, "----F-"),
        _p("userId", STR, "----F-"),
        _p("lastModifiedDateTime", DTO, "----FS"),
    ),
    creatable=False,
    updatable=False,
    upsertable=False,
    documented=False,
)

ENTITY_SETS: dict[str, EntitySetDef] = {
    s.name: s
    for s in (
        _CANDIDATE,
        _EDUCATION,
        _OUTSIDE_WORK,
        _JOB_APPLICATION,
        _STATUS,
        _STATUS_LABEL,
        _AUDIT_TRAIL,
        _COMMENTS,
        _ASSESSMENT_ORDER,
        _ASSESSMENT_REPORT,
        _JOB_REQUISITION,
        _JOB_REQ_OPERATOR,
        _INTERVIEW,
        _OVERALL_ASSESSMENT,
        _INDIVIDUAL_ASSESSMENT,
        _ATTACHMENT,
    )
}

# Tenant picklists the simulator validates (values compared as str). SAP's are tenant
# configuration; these are the simulator's. Assessment report status codes and the
# overall-rating values are hrhub's assumptions (no public source).
PICKLISTS: dict[str, tuple[str, ...]] = {
    "country": ("CN", "US", "GB", "SG", "HK", "DE", "JP"),
    "degree": ("HighSchool", "Associate", "Bachelor", "Master", "Doctorate"),
    # 1 ordered, 2 in progress, 3 completed, 4 cancelled, 5 error
    "assessmentReportStatus": ("1", "2", "3", "4", "5"),
    "overallRating": ("RECOMMEND", "NEUTRAL", "NOT_RECOMMEND"),
}

# JobApplication.status values and the codes $filter uses for them (dossier §1.2, [S7]).
APPLICATION_STATUS_CODES: dict[str, int] = {
    "Open": 0,
    "Disqualified": 1,
    "Closed": 2,
    "Withdraw": 3,
    "Saved": 4,
    "Non Applied": 5,
    "Draft Application": 6,
}


def _check_model() -> None:
    """Fail at import if a nav points at a set, or a column, the model does not have, or a
    computed nav names join columns (or a joined one none) or filters."""
    for s in ENTITY_SETS.values():
        for n in s.navs:
            target = ENTITY_SETS.get(n.target)
            if target is None:
                raise ValueError(f"{s.name}.{n.name}: unknown target {n.target}")
            if n.computed == bool(n.on):
                raise ValueError(
                    f"{s.name}.{n.name}: computed navs have no `on`, joined ones need it"
                )
            for local, remote in n.on:
                if not (s.has_prop(local) or local in s.hidden):
                    raise ValueError(f"{s.name}.{n.name}: no column {local}")
                if not (target.has_prop(remote) or remote in target.hidden):
                    raise ValueError(f"{s.name}.{n.name}: no column {n.target}.{remote}")
            if n.where and n.computed:
                raise ValueError(f"{s.name}.{n.name}: a computed nav has no `where`")
            for column, _ in n.where:
                if not (target.has_prop(column) or column in target.hidden):
                    raise ValueError(f"{s.name}.{n.name}: no column {n.target}.{column}")
        for p in s.props:
            if p.picklist is not None and p.edm_type not in (STR, I64, I32):
                raise ValueError(f"{s.name}.{p.name}: picklist on {p.edm_type}")


_check_model()
