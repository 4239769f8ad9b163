"""Airflow hook for the interview room: Connection -> InterviewRoomClient."""

from __future__ import annotations

from typing import Any

from connectors._core.hook import HubHook, connection_base_url
from connectors.interview_room.client import DEFAULT_MAX_RECORDING_BYTES, InterviewRoomClient

MB = 1024 * 1024


class InterviewRoomHook(HubHook):
    """Reads `hrhub_interview_room` connections: API host, workspace (login), API key
    (password); extra: link_secret, page_size, max_recording_mb."""

    system = "interview_room"
    conn_type = "hrhub_interview_room"
    default_conn_name = "hrhub_interview_room_default"
    hook_name = "hrhub: AI interview room"

    def client_from_connection(self, conn: Any) -> InterviewRoomClient:
        extra = conn.extra_dejson
        max_mb = extra.get("max_recording_mb")
        return InterviewRoomClient(
            connection_base_url(conn.host, conn.port, extra),
            workspace=conn.login or "",
            api_key=conn.password or "",
            link_secret=extra.get("link_secret") or None,
            page_size=int(extra.get("page_size", 50)),
            max_recording_bytes=(
                int(float(max_mb) * MB) if max_mb not in (None, "") else DEFAULT_MAX_RECORDING_BYTES
            ),
        )
