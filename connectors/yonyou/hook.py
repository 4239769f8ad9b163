"""Airflow hook for Yonyou: Connection -> YonyouClient (NC SOAP or YonBIP by `flavor`)."""

from __future__ import annotations

from typing import Any

from connectors._core.hook import HubHook, connection_base_url
from connectors.yonyou.client import YonyouClient
from connectors.yonyou.ncxml import NC_SERVICE


class YonyouHook(HubHook):
    """Reads `hrhub_yonyou` connections: host, NC user or BIP appKey, password or appSecret;
    extra: flavor (nc | bip), wsdl, service, operation_timeout, page_size."""

    system = "yonyou"
    conn_type = "hrhub_yonyou"
    default_conn_name = "hrhub_yonyou_default"
    hook_name = "hrhub: Yonyou eHR (用友 NC / YonBIP)"

    def client_from_connection(self, conn: Any) -> YonyouClient:
        extra = conn.extra_dejson
        return YonyouClient(
            connection_base_url(conn.host, conn.port, extra),
            flavor=str(extra.get("flavor") or "nc"),
            username=conn.login or "",
            password=conn.password or "",
            wsdl=extra.get("wsdl") or None,
            service=extra.get("service") or NC_SERVICE,
            page_size=int(extra.get("page_size", 500)),
            operation_timeout=float(extra.get("operation_timeout", 60)),
        )
