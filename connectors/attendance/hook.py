"""Airflow hook for the attendance system: Connection -> AttendanceClient."""

from __future__ import annotations

from typing import Any

from connectors._core.hook import HubHook, connection_base_url
from connectors.attendance.client import AttendanceClient


class AttendanceHook(HubHook):
    """Reads `hrhub_attendance` connections (host, login, password; extra: auth_scheme...)."""

    system = "attendance"
    conn_type = "hrhub_attendance"
    default_conn_name = "hrhub_attendance_default"
    hook_name = "hrhub: Attendance (ZKBioTime)"

    def client_from_connection(self, conn: Any) -> AttendanceClient:
        extra = conn.extra_dejson
        return AttendanceClient(
            connection_base_url(conn.host, conn.port, extra),
            username=conn.login or "",
            password=conn.password or "",
            auth_scheme=extra.get("auth_scheme", "jwt"),
            page_size=int(extra.get("page_size", 200)),
        )
