"""Who is asking: Airflow's own session, checked on every request to hrhub's pages.

Airflow does not protect plugin apps, so each request is authenticated here with the auth
manager Airflow runs (its JWT from the `Authorization: Bearer` header or the `_token` cookie
its login sets), authorised for hrhub's view through the auth manager, then given the hrhub
role the directory names. Every refusal is a `Refused` with a reason a person can read; the
app turns it into a page and an audit-log entry.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request

from hrhub.web.roles import ROLE_PERMISSIONS, Assignment, Permission, Role, RoleDirectory

# Airflow's UI keeps its session token in this cookie (BaseAuthManager's COOKIE_NAME_JWT_TOKEN).
SESSION_COOKIE = "_token"
# The resource name hrhub's pages are authorised under in the auth manager.
RESOURCE_NAME = "hrhub"


class Refused(Exception):
    """A request hrhub will not serve: HTTP status, a message key for the page, details."""

    def __init__(self, status: int, reason: str, detail: str = "", *, actor: str = "") -> None:
        self.status = status
        self.reason = reason
        self.detail = detail
        self.actor = actor
        super().__init__(f"{status} {reason}: {detail}")


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, with the hrhub role they act in."""

    login: str
    role: Role
    owner_id: str
    token: str

    @classmethod
    def of(cls, assignment: Assignment, token: str) -> Viewer:
        return cls(assignment.login, assignment.role, assignment.owner_id, token)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Refused(
                403,
                "not_your_role",
                f"{self.role.value} lacks {permission.value}",
                actor=self.login,
            )


# Takes the session token and the HTTP method; returns the login or raises Refused.
Authenticate = Callable[[str, str], Awaitable[str]]


def session_token(request: Request) -> str:
    """The bearer token if one is sent, else Airflow's session cookie; '' if neither."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.cookies.get(SESSION_COOKIE, "")


async def airflow_authenticate(token: str, method: str) -> str:
    """Validate the token with Airflow's auth manager and ask it whether the user may use
    hrhub's custom view with this method."""
    from airflow.api_fastapi.app import get_auth_manager
    from jwt import ExpiredSignatureError, InvalidTokenError

    manager = get_auth_manager()
    try:
        user = await manager.get_user_from_token(token)
    except ExpiredSignatureError as error:
        raise Refused(401, "session_expired", str(error)) from None
    except InvalidTokenError as error:
        raise Refused(401, "session_invalid", str(error)) from None
    if not manager.is_authorized_custom_view(method=method, resource_name=RESOURCE_NAME, user=user):
        raise Refused(
            403,
            "airflow_refused",
            f"auth manager refused {method} {RESOURCE_NAME}",
            actor=user.get_name(),
        )
    return user.get_name()


async def identify(request: Request, authenticate: Authenticate, roles: RoleDirectory) -> Viewer:
    token = session_token(request)
    if not token:
        raise Refused(401, "not_signed_in", "no Airflow session on the request")
    login = await authenticate(token, request.method)
    assignment = roles.get(login)
    if assignment is None:
        raise Refused(
            403, "no_hrhub_role", f"login {login!r} has no role in [hrhub_web] roles", actor=login
        )
    return Viewer.of(assignment, token)


def form_token(secret: str, viewer: Viewer) -> str:
    """The anti-forgery value a form carries: bound to this session, unknowable to another
    site (the session cookie rides along with cross-site posts; this value does not)."""
    return hmac.new(secret.encode(), viewer.token.encode(), hashlib.sha256).hexdigest()


def check_form_token(secret: str, viewer: Viewer, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(sent, form_token(secret, viewer)):
        raise Refused(
            403,
            "form_forged",
            "the form's anti-forgery value is missing or wrong",
            actor=viewer.login,
        )
