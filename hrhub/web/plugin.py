"""What Airflow's plugin manager needs from hrhub.web: the app to mount and the menu entries.

The menu entries open hrhub's pages inside Airflow's UI (an iframe on the same origin, so
Airflow's session cookie reaches them).
"""

from __future__ import annotations

from typing import Any

URL_PREFIX = "/hrhub"

NAV_VIEWS: list[dict[str, Any]] = [
    {
        "name": "hrhub: run status",
        "href": "hrhub/status",
        "url_route": "hrhub-status",
        "category": "hrhub",
    },
    {
        "name": "hrhub: mappings",
        "href": "hrhub/mappings",
        "url_route": "hrhub-mappings",
        "category": "hrhub",
    },
    {
        "name": "hrhub: reports",
        "href": "hrhub/reports",
        "url_route": "hrhub-reports",
        "category": "hrhub",
    },
]


def fastapi_apps() -> list[dict[str, Any]]:
    """The app for `AirflowPlugin.fastapi_apps`, configured from Airflow's own settings."""
    from hrhub.web.app import create_app

    return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "hrhub"}]
