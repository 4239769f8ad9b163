"""Airflow hook for SuccessFactors: Connection -> SuccessFactorsClient."""

from __future__ import annotations

from typing import Any

from connectors._core.errors import ConfigError
from connectors._core.hook import HubHook, connection_base_url
from connectors.successfactors.client import SuccessFactorsClient


class SuccessFactorsHook(HubHook):
    """Reads `hrhub_successfactors` connections (API server, user, company id, OAuth key)."""

    system = "successfactors"
    conn_type = "hrhub_successfactors"
    default_conn_name = "hrhub_successfactors_default"
    hook_name = "hrhub: SAP SuccessFactors Recruiting"

    def client_from_connection(self, conn: Any) -> SuccessFactorsClient:
        extra = conn.extra_dejson
        if not extra.get("company_id"):
            raise ConfigError("set company_id in the connection", system=self.system)
        return SuccessFactorsClient(
            connection_base_url(conn.host, conn.port, extra),
            company_id=extra["company_id"],
            username=conn.login or "",
            password=conn.password or None,
            auth=extra.get("auth", "oauth"),
            client_id=extra.get("client_id"),
            private_key_pem=extra.get("private_key"),
            page_size=int(extra.get("page_size", 1000)),
        )
