"""Registers hrhub's pages with Airflow: the app lives in hrhub.web, nothing else is here."""

from airflow.plugins_manager import AirflowPlugin

from hrhub.web import NAV_VIEWS, fastapi_apps


class HrhubWebPlugin(AirflowPlugin):
    name = "hrhub_web"
    fastapi_apps = fastapi_apps()
    external_views = NAV_VIEWS
