"""hrhub's pages inside Airflow's UI, for HR admins, recruiters, managers and auditors.

A FastAPI app (`create_app`) that plugins/hrhub_web.py mounts in Airflow's API server at
`URL_PREFIX`, with `NAV_VIEWS` adding its pages to Airflow's menu. Airflow's auth manager
authenticates every request; hrhub's role directory (`[hrhub_web] roles`) authorises it.
"""

from hrhub.web.app import WebSettings, create_app
from hrhub.web.plugin import NAV_VIEWS, URL_PREFIX, fastapi_apps

__all__ = ["NAV_VIEWS", "URL_PREFIX", "WebSettings", "create_app", "fastapi_apps"]
