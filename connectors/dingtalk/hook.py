"""Airflow hook for DingTalk: Connection -> DingTalkClient."""

from __future__ import annotations

from typing import Any

from connectors._core.hook import HubHook, connection_base_url
from connectors.dingtalk.client import DingTalkClient


class DingTalkHook(HubHook):
    """Reads `hrhub_dingtalk` connections: oapi host, AppKey/AppSecret; extra: api_url,
    agent_id, the hiring group robot's token and 加签 secret."""

    system = "dingtalk"
    conn_type = "hrhub_dingtalk"
    default_conn_name = "hrhub_dingtalk_default"
    hook_name = "hrhub: DingTalk (钉钉)"

    def client_from_connection(self, conn: Any) -> DingTalkClient:
        extra = conn.extra_dejson
        agent_id = extra.get("agent_id")
        return DingTalkClient(
            connection_base_url(conn.host, conn.port, extra),
            app_key=conn.login or "",
            app_secret=conn.password or "",
            agent_id=int(agent_id) if agent_id not in (None, "") else None,
            api_url=extra.get("api_url") or "https://api.dingtalk.com",
            robot_token=extra.get("robot_token") or None,
            robot_secret=extra.get("robot_secret") or None,
            page_size=int(extra.get("page_size", 50)),
            history_days=int(extra.get("history_days", 31)),
            result_wait_seconds=float(extra.get("result_wait_seconds", 10)),
        )
