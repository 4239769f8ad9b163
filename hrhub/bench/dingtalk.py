"""dt_invite: N interview invitations on DingTalk, chunked sends vs one send per person.

Both contenders go through the same client, so both keep to DingTalk's documented limits
(36 of the 40 calls a second allowed per API, 9,000 of the 10,000 calls per 20 s per IP) and
both learn every person's outcome (delivered, unknown user, over quota) from the task's send
result; the simulator counts any call over a documented limit. The hub groups identical
invitations and sends 100 recipients a call; the peer is the hand-written loop, one
`asyncsend_v2` and one `getsendresult` per person, timed on a sample and reported per second.
"""

from __future__ import annotations

import time
from typing import Any

from hrhub.bench import Report, Result, rate_row, ratio, result

PER_USER_SAMPLE = 500
LINK = "https://room.example.com/i/bench-round.sig"


def _records(userids: list[str], job_title: str) -> list[dict[str, Any]]:
    params = {
        "job_title": job_title,
        "slot": "2024-06-18 14:00-14:45",
        "expires": "2024-06-18 15:00",
        "link": LINK,
    }
    return [
        {
            "canonical_id": f"notification:bench:{u}",
            "userid": u,
            "template": "invite",
            "params": params,
        }
        for u in userids
    ]


def dt_invite(invitations: int = 100_000, *, report: Report) -> Result:
    """Send `invitations` invitations chunked, and a sample one by one; compare per second."""
    from connectors._core.registry import get_connector

    spec = get_connector("dingtalk")
    sample = min(invitations, PER_USER_SAMPLE)
    report(f"seeding a DingTalk organisation of {invitations + sample:,} people")
    # About 2% of a seeded organisation has left the company: seed enough people.
    server = spec.simulator_class()(users=(invitations + sample) * 105 // 100 + 50)
    server.start()
    try:
        people = [u["userid"] for u in server.users if u["status"] != "departed"]
        peer_users, hub_users = people[:sample], people[sample : sample + invitations]
        if (len(peer_users), len(hub_users)) != (sample, invitations):
            raise RuntimeError(f"the simulator seeded only {len(people):,} people still employed")
        client = spec.client_class()(
            server.url,
            app_key=spec.sandbox["login"],
            app_secret=spec.sandbox["password"],
            agent_id=int(spec.sandbox["extra"]["agent_id"]),
            api_url=server.api_url,
        )
        with client:
            client.access_token()
            report(f"one send per person: {sample:,} people (sample)")
            before = server.counters["requests"]
            started = time.perf_counter()
            peer_ok = 0
            for record in _records(peer_users, "数据工程师（逐个发送）"):
                msg_outcomes = client.write("work_notification", [record])
                peer_ok += sum(o.ok for o in msg_outcomes)
            peer = rate_row(
                "per-person",
                "one call per person*",
                sample,
                time.perf_counter() - started,
                calls=server.counters["requests"] - before,
            )
            report(f"chunked: {invitations:,} invitations in one write() call")
            before = server.counters["requests"]
            started = time.perf_counter()
            outcomes = client.write("work_notification", _records(hub_users, "数据工程师"))
            hub = rate_row(
                "chunked",
                "100 recipients a call",
                invitations,
                time.perf_counter() - started,
                calls=server.counters["requests"] - before,
            )
        over = dict(server.over_limit)
    finally:
        server.stop()
    landed = sum(o.ok for o in outcomes)
    return result(
        "dt_invite",
        title=f"DingTalk invitations: {invitations:,} people",
        contenders=[hub, peer],
        ratios=[ratio(hub, peer, metric="rate", threshold=50.0)],
        columns=[
            ("label", "contender"),
            ("rows", "people"),
            ("seconds", "seconds"),
            ("rate", "people/s"),
            ("calls", "calls"),
        ],
        params={"invitations": invitations, "per_person_sample": sample, "chunk": 100},
        source={
            "hub_delivered": landed,
            "peer_delivered": peer_ok,
            "calls_over_documented_limits": sum(over.values()),
        },
        notes=[
            "both through DingTalkClient.write('work_notification', ...): the hub with all "
            "records in one call (grouped, 100 recipients per asyncsend_v2), the peer with one "
            "record per call (one asyncsend_v2 and one getsendresult per person)",
            f"* the peer is timed on a sample of {sample:,} people, reported per second",
            "both keep to the documented limits: 36 calls/s per API, 9,000 calls/20 s per IP; "
            f"calls over any documented limit, counted by the simulator: {over or 0}",
        ],
    )
