"""The interview room, watched for newly completed sessions: the event that starts
interview_results within seconds of an interview ending, instead of at the next timer tick.

`RoomSessionsCompletedTrigger` is the trigger of an `AssetWatcher` (Airflow's event-driven
scheduling). The triggerer re-creates it from `serialize()` and runs `run()` for as long as a
DAG that is unpaused schedules on the watched asset; each `TriggerEvent` it yields becomes an
asset event, and the asset event schedules the DAG.

The event is only a wake-up call. The DAG's own extract step reads the room incrementally from
the ledger's watermark (with its overlap window) and the score and push steps are idempotent,
so the DAG run does the exact work whatever the event says, and the watermark here need only
answer "did anything complete since I last looked?":

- A fresh watch starts at *now*: sessions that completed before it are not news (the first
  DAG run after unpausing, from the fallback schedule, takes them).
- Each poll asks for completed sessions since the newest one seen minus `LAG_SECONDS` (a
  session can become visible a little after its `updated_at`) and fires for the ids not
  reported yet; sessions are reported once, so a condition that stays true ("there are
  completed sessions") does not schedule the DAG over and over.
- The watermark is kept in the watched asset's state store (Airflow 3.3 hands a watcher
  `self.asset_state_store`), so a triggerer restart resumes where it stopped and the sessions
  completed meanwhile still raise an event. Without a store it lives in memory and a restart
  starts at now again.
- What slips through anyway (a session visible more than `LAG_SECONDS` late, an event lost in
  a crash) is caught by the next event or the DAG's fallback schedule: the extract reads it.

Room errors are logged and retried with a growing pause (the client has retried each call
already); the loop never ends on its own: a watcher whose `run()` ends or raises is started
again at the triggerer's next loop (about a second), a tight loop against a room that is down.

No connectors, ledger or models at import time: DAG files import this module while parsing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

__all__ = ["RoomSessionsCompletedTrigger", "Watermark"]

SYSTEM = "interview_room"
STATE_KEY = "room_completed_watermark"
LAG_SECONDS = 60  # how late a completed session may become visible and still raise the event
MAX_PAGES_PER_POLL = 10  # a backlog (after a long stop) is reported over several polls
MAX_BACKOFF_SECONDS = 300.0


def room_time(moment: datetime) -> str:
    """UTC with milliseconds and a Z, the room's fixed-width format (it sorts as text)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no offset")
    return moment


@dataclass
class Watermark:
    """What the watch has seen: `floor`, when it began (older sessions are not news);
    `newest`, the latest `updated_at` read; `seen`, the ids reported whose `updated_at` is
    within `LAG_SECONDS` of `newest` (the only ones a poll can return again)."""

    floor: datetime
    newest: datetime
    seen: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def starting(cls, now: datetime | None = None) -> Watermark:
        moment = now or datetime.now(UTC)
        return cls(floor=moment, newest=moment)

    def since(self) -> str:
        """The `updated_since` of the next poll."""
        return room_time(self.newest - timedelta(seconds=LAG_SECONDS))

    def advance(self, sessions: Iterable[dict[str, Any]]) -> list[tuple[str, datetime]]:
        """Take a poll's sessions; the (id, updated_at) of those not reported before."""
        fresh: dict[str, datetime] = {}
        for session in sessions:
            session_id, updated = session.get("id"), session.get("updated_at")
            if not isinstance(session_id, str) or not isinstance(updated, str):
                continue
            try:
                moment = parse_time(updated)
            except ValueError:  # not a time: the extract step will dead-letter the session
                continue
            if moment < self.floor or session_id in self.seen:
                continue
            fresh[session_id] = moment
        self.seen.update(fresh)
        if fresh:
            self.newest = max(self.newest, *fresh.values())
        horizon = self.newest - timedelta(seconds=LAG_SECONDS)
        self.seen = {k: v for k, v in self.seen.items() if v >= horizon}
        return sorted(fresh.items(), key=lambda item: (item[1], item[0]))

    def as_state(self) -> dict[str, Any]:
        return {
            "floor": room_time(self.floor),
            "newest": room_time(self.newest),
            "seen": {k: room_time(v) for k, v in self.seen.items()},
        }

    @classmethod
    def from_state(cls, state: Any) -> Watermark | None:
        """The stored watermark, or None if there is none (or it is not one of ours)."""
        if not isinstance(state, dict):
            return None
        try:
            return cls(
                floor=parse_time(state["floor"]),
                newest=parse_time(state["newest"]),
                seen={str(k): parse_time(v) for k, v in (state.get("seen") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


class RoomSessionsCompletedTrigger(BaseEventTrigger):
    """Fires `{"sessions": n, "newest": <updated_at>}` whenever sessions completed in the
    interview room since it last looked (see the module doc).

    `conn_id`: the room's connection (default: the connector's default connection, looked up
    when the trigger runs); `poll_interval`: seconds between polls.
    """

    def __init__(self, conn_id: str | None = None, poll_interval: float = 5.0, **kwargs: Any):
        super().__init__(**kwargs)
        if poll_interval <= 0:
            raise ValueError(f"poll_interval must be positive, not {poll_interval!r}")
        self.conn_id = conn_id
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        # Only configuration: the triggerer hashes these kwargs to tell watchers apart, so
        # nothing that changes between parses (like the watermark) may be in them.
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"conn_id": self.conn_id, "poll_interval": self.poll_interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        watermark = await self._load_watermark()
        room = _Room(self.conn_id)
        failures = 0
        try:
            while True:
                try:
                    sessions = await asyncio.to_thread(room.completed_since, watermark.since())
                except Exception as exc:  # the room or its connection: say so, try again
                    failures += 1
                    pause = min(self.poll_interval * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
                    self.log.warning(
                        "interview room %s: cannot list completed sessions (%s: %s); "
                        "failure %d in a row, next try in %.1f s",
                        room.conn_id,
                        type(exc).__name__,
                        exc,
                        failures,
                        pause,
                    )
                    room.close()  # the next try reads the connection again
                    await asyncio.sleep(pause)
                    continue
                if failures:
                    self.log.info(
                        "interview room %s: reachable again after %d failures",
                        room.conn_id,
                        failures,
                    )
                    failures = 0
                fresh = watermark.advance(sessions)
                if fresh:
                    newest = room_time(fresh[-1][1])
                    self.log.info(
                        "interview room %s: %d newly completed sessions (newest %s)",
                        room.conn_id,
                        len(fresh),
                        newest,
                    )
                    yield TriggerEvent({"sessions": len(fresh), "newest": newest})
                    await self._save_watermark(watermark)
                await asyncio.sleep(self.poll_interval)
        finally:
            room.close()

    async def _load_watermark(self) -> Watermark:
        """The stored watermark if the asset's state store has one, else one starting now."""
        store = getattr(self, "asset_state_store", None)
        if store is not None:
            try:
                stored = Watermark.from_state(await store.aget(STATE_KEY))
            except Exception as exc:  # the store is an optimisation: watch from now instead
                self.log.warning("cannot read the stored watermark (%s); watching from now", exc)
            else:
                if stored is not None:
                    self.log.info(
                        "watching the interview room from %s (stored watermark)",
                        room_time(stored.newest),
                    )
                    return stored
        watermark = Watermark.starting()
        self.log.info("watching the interview room from %s", room_time(watermark.floor))
        return watermark

    async def _save_watermark(self, watermark: Watermark) -> None:
        store = getattr(self, "asset_state_store", None)
        if store is None:
            return
        try:
            await store.aset(STATE_KEY, watermark.as_state())
        except Exception as exc:  # a restart would only watch from now: the fallback covers it
            self.log.warning("cannot store the watermark (%s)", exc)


class _Room:
    """The room's client, opened on first use through the connector registry (in a worker
    thread: the hook's connection lookup and the HTTP calls are blocking)."""

    def __init__(self, conn_id: str | None) -> None:
        self._conn_id = conn_id
        self._hook: Any = None

    @property
    def conn_id(self) -> str:
        if self._conn_id is None:
            from connectors._core.registry import get_connector

            self._conn_id = get_connector(SYSTEM).default_conn_id
        return self._conn_id

    def completed_since(self, updated_since: str) -> list[dict[str, Any]]:
        """Completed sessions updated since then, oldest first, at most MAX_PAGES_PER_POLL
        pages (the room's order is stable, so the next poll goes on from the newest)."""
        if self._hook is None:
            from connectors._core.registry import get_connector

            self._hook = get_connector(SYSTEM).hook_class()(conn_id=self.conn_id)
        client = self._hook.get_conn()
        sessions: list[dict[str, Any]] = []
        pages = client.sessions(status="completed", updated_since=updated_since)
        try:
            for number, page in enumerate(pages, start=1):
                sessions.extend(s for s in page if isinstance(s, dict))
                if number >= MAX_PAGES_PER_POLL:
                    break
        finally:
            pages.close()
        return sessions

    def close(self) -> None:
        hook, self._hook = self._hook, None
        if hook is not None:
            with suppress(Exception):  # closing an HTTP session must not end the watch
                hook.close()
