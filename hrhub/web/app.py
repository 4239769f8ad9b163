"""The FastAPI app behind hrhub's pages, mounted in Airflow's API server by plugins/.

`create_app(settings)` wires the pieces: who is asking (auth.py), which role they act in
(roles.py), the language (i18n.py), the ledger the pages read, and the page modules in
hrhub/web/pages/. Every refusal - no session, a forged or expired one, a role asking for
what it may not see, an unknown id, a malformed form - renders a clear page, changes nothing
and is appended to the ledger's audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from hrhub.ledger import Ledger
from hrhub.web.auth import (
    Authenticate,
    Refused,
    Viewer,
    airflow_authenticate,
    check_form_token,
    form_token,
    identify,
)
from hrhub.web.i18n import CATALOG, LANGUAGE_COOKIE, Translator, choose_language
from hrhub.web.queries import TTLCache
from hrhub.web.roles import Permission, RoleDirectory

TEMPLATES = Path(__file__).with_name("templates")
REPO_ROOT = Path(__file__).resolve().parents[2]
AUDIT_ACTOR_ANONYMOUS = "anonymous"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class WebSettings:
    """What the app needs from its host. `create_app()` alone reads Airflow's configuration."""

    roles: RoleDirectory
    authenticate: Authenticate = airflow_authenticate
    # Signs the forms' anti-forgery values; the API server's workers must share it.
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    ledger_url: str | None = None
    mappings_dir: Path = REPO_ROOT / "mappings"
    # Where a person without a session signs in (Airflow's login page, relative to the host).
    login_url: str = "/auth/login"

    @classmethod
    def from_airflow(cls) -> WebSettings:
        from airflow.configuration import conf

        return cls(
            roles=RoleDirectory.from_airflow_config(),
            secret=conf.get("api_auth", "jwt_secret", fallback="") or secrets.token_hex(32),
        )


class Web:
    """Per-app state the pages share: settings, templates, the ledger (opened on first use)."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        # Templates change with a deployment, not while it runs: no file check per render.
        self.templates.env.auto_reload = False
        self.templates.env.filters.update(
            when=format_when, duration=format_duration, stage=format_stage
        )
        self._ledger: Ledger | None = None
        # Dashboard aggregates shared by every viewer of one scope for a few seconds.
        self.cache = TTLCache(seconds=5.0)
        # What takes seconds to compute (the bias audit, the audit chain's check, the lineage
        # graph): at most once a minute; the pages say when it was computed.
        self.slow_cache = TTLCache(seconds=60.0)

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger.open(self.settings.ledger_url)
        return self._ledger

    def render(
        self,
        request: Request,
        viewer: Viewer | None,
        template: str,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        language = choose_language(request)
        t = Translator(language)
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                "t": t,
                "lang": language,
                "viewer": viewer,
                "root": request.scope.get("root_path", ""),
                "nav": nav_items(viewer),
                "form_token": form_token(self.settings.secret, viewer) if viewer else "",
                "Permission": Permission,
                **context,
            },
            status_code=status_code,
        )
        if request.query_params.get("lang") == language:
            response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", httponly=True)
        return response

    def refuse(self, request: Request, refused: Refused) -> Response:
        """Audit the attempt, then answer with the reason (HTML for people, JSON for tools)."""
        self.ledger.audit(
            actor=refused.actor or AUDIT_ACTOR_ANONYMOUS,
            action="web.refused",
            subject=f"{request.method} {request.url.path}",
            data={
                "status": refused.status,
                "reason": refused.reason,
                "detail": refused.detail,
                "client": request.client.host if request.client else None,
            },
        )
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(
                {"status": refused.status, "reason": refused.reason, "detail": refused.detail},
                status_code=refused.status,
            )
        # A signed-in viewer refused one page keeps the menu, so the way back is a click.
        return self.render(
            request,
            getattr(request.state, "viewer", None),
            "refused.html",
            status_code=refused.status,
            refused=refused,
            login_url=self.settings.login_url,
        )


def format_when(value: datetime | None, t: Translator) -> str:
    """A time as Beijing time (the enterprises' zone), 'never' when there is none."""
    if value is None:
        return t("status.never")
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def format_stage(value: str, t: Translator) -> str:
    """A flow stage in the viewer's language; a stage the catalog does not know, as stored."""
    key = f"stage.{value}"
    return t(key) if key in CATALOG else value


def format_duration(value: timedelta | None, t: Translator) -> str:
    if value is None:
        return "–"
    seconds = int(value.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


# (permission needed, path under the app, catalog key) in the order the menu shows them.
NAV = (
    (Permission.VIEW_STATUS, "/status", "nav.status"),
    (Permission.VIEW_CANDIDATES, "/candidates", "nav.candidates"),
    (Permission.REPLAY, "/dead-letters", "nav.dead_letters"),
    (Permission.VIEW_RESULTS, "/reviews", "nav.reviews"),
    (Permission.VIEW_MAPPINGS, "/mappings", "nav.mappings"),
    (Permission.VIEW_REPORTS, "/reports", "nav.reports"),
    (Permission.VIEW_AUDIT_LOG, "/audit", "nav.audit"),
)


def nav_items(viewer: Viewer | None) -> list[tuple[str, str]]:
    if viewer is None:
        return []
    return [(path, key) for permission, path, key in NAV if viewer.can(permission)]


def web_of(request: Request) -> Web:
    return request.app.state.web


async def current_viewer(request: Request) -> Viewer:
    web = web_of(request)
    viewer = await identify(request, web.settings.authenticate, web.settings.roles)
    request.state.viewer = viewer
    return viewer


def viewer_who_can(permission: Permission) -> Callable[..., Any]:
    """Dependency: the signed-in viewer, refused unless their role has `permission`."""

    async def dependency(viewer: Viewer = Depends(current_viewer)) -> Viewer:
        viewer.require(permission)
        return viewer

    return dependency


async def checked_form(
    request: Request, viewer: Viewer = Depends(current_viewer)
) -> dict[str, str]:
    """A posted form whose anti-forgery value matches the session; refused otherwise."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise Refused(
            400,
            "bad_form",
            f"form posts must be urlencoded, not {content_type!r}",
            actor=viewer.login,
        )
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    check_form_token(web_of(request).settings.secret, viewer, values.get("csrf"))
    return values


def create_app(settings: WebSettings | None = None) -> FastAPI:
    from hrhub.web.pages import register_pages

    app = FastAPI(title="hrhub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = Web(settings or WebSettings.from_airflow())

    @app.exception_handler(Refused)
    async def on_refused(request: Request, refused: Refused) -> Response:
        return web_of(request).refuse(request, refused)

    @app.exception_handler(RequestValidationError)
    async def on_bad_input(request: Request, error: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
        viewer = getattr(request.state, "viewer", None)
        refused = Refused(
            400, "bad_form", f"invalid: {fields}", actor=viewer.login if viewer else ""
        )
        return web_of(request).refuse(request, refused)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        viewer = getattr(request.state, "viewer", None)
        reason = "not_found" if error.status_code == 404 else "bad_form"
        refused = Refused(
            error.status_code, reason, str(error.detail), actor=viewer.login if viewer else ""
        )
        return web_of(request).refuse(request, refused)

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/status", status_code=303)

    register_pages(app)
    return app
