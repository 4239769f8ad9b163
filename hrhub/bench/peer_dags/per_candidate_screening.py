"""
### per_candidate_screening (benchmark peer of candidate_flow; never deployed)

How an integration team usually builds resume screening on Airflow by hand: one mapped task per
application, each talking to SuccessFactors' OData API through Airflow's `HttpHook` with an
ordinary `http` connection (`successfactors_http`, login `user@companyId`, Basic auth).

1. **list_applications** reads the requisitions, the pipeline statuses and the applications
   (`$select`, `__next` pages followed) and keeps the applications of open requisitions that a
   job profile (`jobs/*.yaml`) covers, each with its profile's name;
2. **screen_application**, mapped over them, reads one application with its resume
   (`JobApplication(<id>L)?$expand=resume`), reads its job profile's file and screens it with
   hrhub's own screening function (`hrhub.scoring.screening.screen`: the same parser and
   job-fit score the hub uses);
3. **shortlist** ranks each requisition's applicants and takes the profile's top share
   (`hrhub.scoring.screening.rank`);
4. **write_status**, mapped over the shortlisted, moves each application to `Screened` with
   one `upsert` call;
5. **report** counts what was done.

`hrhub bench flow_vs_httphook` runs it with `airflow dags test` (this folder as the dags
folder) next to candidate_flow, on the same simulator data. It lives under hrhub/bench/, not
dags/, so no deployment loads it.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, task

CONN_ID = "successfactors_http"
API = "/odata/v2"
OPEN_REQUISITION = ("Approved", "Open")  # internalStatus values the hub's mapping calls open
SHORTLIST_STATUS = "Screened"
TIMEOUT = {"timeout": 60}


def odata_get(endpoint: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """One GET through HttpHook, JSON decoded."""
    from airflow.providers.http.hooks.http import HttpHook

    hook = HttpHook(method="GET", http_conn_id=CONN_ID)
    response = hook.run(
        endpoint,
        data={**(params or {}), "$format": "json"},
        headers={"Accept": "application/json"},
        extra_options=TIMEOUT,
    )
    return response.json()


def odata_list(entity_set: str, select: str) -> list[dict[str, Any]]:
    """Every row of an entity set, following SAP's `__next` links."""
    from urllib.parse import urlsplit

    body = odata_get(f"{API}/{entity_set}", {"$select": select})
    rows = list(body["d"]["results"])
    while next_url := body["d"].get("__next"):
        parts = urlsplit(next_url)
        body = odata_get(f"{parts.path}?{parts.query}")
        rows.extend(body["d"]["results"])
    return rows


@dag(
    dag_id="per_candidate_screening",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["benchmark-peer"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
)
def per_candidate_screening() -> None:
    @task
    def list_applications() -> list[dict[str, Any]]:
        from hrhub.flow.job_profiles import JobProfiles

        profiles = JobProfiles.load()
        requisitions = {}
        for row in odata_list("JobRequisition", "jobReqId,jobTitle,internalStatus,statusSetId"):
            profile = profiles.for_title(row["jobTitle"])
            if row["internalStatus"] in OPEN_REQUISITION and profile is not None:
                requisitions[row["jobReqId"]] = {**row, "profile": profile.name}
        screened_status = {
            row["appStatusSetId"]: row["appStatusId"]
            for row in odata_list(
                "JobApplicationStatus", "appStatusSetId,appStatusId,appStatusName"
            )
            if row["appStatusName"] == SHORTLIST_STATUS
        }
        applications = []
        for row in odata_list("JobApplication", "applicationId,jobReqId"):
            requisition = requisitions.get(row["jobReqId"])
            if requisition is not None:
                applications.append(
                    {
                        "application_id": str(row["applicationId"]),
                        "job_req_id": str(row["jobReqId"]),
                        "profile": requisition["profile"],
                        "status_id": screened_status[requisition["statusSetId"]],
                    }
                )
        return applications

    @task
    def screen_application(application: dict[str, Any]) -> dict[str, Any]:
        import base64

        import yaml

        from hrhub.flow.job_profiles import jobs_dir
        from hrhub.scoring.screening import JobProfile, ScreeningOutcome, screen

        app_id = application["application_id"]
        body = odata_get(
            f"{API}/JobApplication({app_id}L)",
            {"$select": "applicationId,resume", "$expand": "resume"},
        )
        resume = body["d"].get("resume")
        path = jobs_dir() / f"{application['profile']}.yaml"
        screening = yaml.safe_load(path.read_text(encoding="utf-8"))["screening"]
        job = JobProfile.from_dict(screening, where=str(path), default_id=path.stem)
        if not resume or not resume.get("fileContent"):
            outcome = ScreeningOutcome.unparseable(app_id, "no resume attached")
        else:
            content = base64.b64decode(resume["fileContent"])
            outcome = screen(content, job, candidate_id=app_id)
        return {
            "application_id": app_id,
            "job_req_id": application["job_req_id"],
            "status_id": application["status_id"],
            "share": job.shortlist_share,
            "outcome": outcome.to_dict(),
        }

    @task
    def shortlist(screened: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from collections import defaultdict

        from hrhub.scoring.screening import MustHaveCheck, ScreeningOutcome, rank

        by_job: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in screened:
            by_job[item["job_req_id"]].append(item)
        writes = []
        for items in by_job.values():
            outcomes = []
            for item in items:
                data = item["outcome"]
                outcomes.append(
                    ScreeningOutcome(
                        candidate_id=data["candidate_id"],
                        status=data["status"],
                        reason=data["reason"],
                        fit_score=data["fit_score"],
                        must_haves=[MustHaveCheck(**check) for check in data["must_haves"]],
                        explanation=data["explanation"],
                    )
                )
            status_of = {item["application_id"]: item["status_id"] for item in items}
            for outcome in rank(outcomes, items[0]["share"]):
                if outcome.shortlisted:
                    writes.append(
                        {
                            "application_id": outcome.candidate_id,
                            "status_id": status_of[outcome.candidate_id],
                        }
                    )
        return writes

    @task
    def write_status(write: dict[str, Any]) -> str:
        from airflow.providers.http.hooks.http import HttpHook

        app_id = write["application_id"]
        record = {
            "__metadata": {
                "uri": f"JobApplication(applicationId={app_id}L)",
                "type": "SFOData.JobApplication",
            },
            "applicationId": int(app_id),
            "appStatusSetItemId": write["status_id"],
        }
        hook = HttpHook(method="POST", http_conn_id=CONN_ID)
        response = hook.run(
            f"{API}/upsert?$format=json",
            json=[record],
            headers={"Accept": "application/json"},
            extra_options=TIMEOUT,
        )
        result = response.json()["d"][0]
        if result.get("status") != "OK":  # upsert answers 200 even when the record failed
            raise RuntimeError(f"JobApplication({app_id}): {result.get('message')}")
        return app_id

    @task
    def report(screened: list[dict[str, Any]], written: list[str]) -> dict[str, int]:
        statuses = [item["outcome"]["status"] for item in screened]
        return {
            "considered": len(statuses),
            "screened": statuses.count("scored"),
            "unparseable": statuses.count("unparseable"),
            "written": len(written),
        }

    screened = screen_application.expand(application=list_applications())
    written = write_status.expand(write=shortlist(screened))
    report(screened, written)


per_candidate_screening()
