"""Which requisitions a viewer's pages cover: every one, or a recruiter's own.

Every page that lists or opens records asks `scope_of`, so a recruiter's limit is worked
out in one place and is the same on each page.
"""

from __future__ import annotations

from fastapi import Request

from hrhub.web.app import web_of
from hrhub.web.auth import Viewer
from hrhub.web.queries import EVERYTHING, Scope, owned_jobs
from hrhub.web.roles import Permission


def scope_of(request: Request, viewer: Viewer) -> Scope:
    """All requisitions, or the ones whose recruiters name the viewer's owner id (kept in the
    app's short cache: requisitions change when jobs are extracted, not per click)."""
    if viewer.can(Permission.ALL_REQUISITIONS):
        return EVERYTHING
    web = web_of(request)
    jobs = web.cache.get(
        ("owned", viewer.owner_id), lambda: owned_jobs(web.ledger, viewer.owner_id)
    )
    return Scope(jobs, owner_id=viewer.owner_id)
