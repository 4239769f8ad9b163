"""Interview scheduling: free slots, batch plans and repairs, by interval arithmetic.

Pure Python (no Airflow, no connectors): the schedule step of the flow feeds it interviewers'
busy time (as the attendance connectors describe it) and candidates' availability, and turns
its slots into `Interview` records and notices.

- `free_slots`: every slot one candidate could take now;
- `plan`: book many candidates at once, deterministically, with a reason for each one left out;
- `reschedule`: move only the bookings that busy-time changes broke, with a reason per move;
- `naive_free_slots` / `naive_plan`: the obvious pairwise check, kept as the oracle and peer.
"""

from hrhub.scheduling.engine import Interviewer, Schedule, Slot, SlotRequest, free_slots
from hrhub.scheduling.errors import SchedulingInputError
from hrhub.scheduling.intervals import Interval, clip, intersect, merge, subtract
from hrhub.scheduling.naive import naive_free_slots, naive_plan
from hrhub.scheduling.planner import Plan, plan
from hrhub.scheduling.policy import Policy, default_business_hours
from hrhub.scheduling.reschedule import Booking, Move, RescheduleResult, reschedule

__all__ = [
    "Booking",
    "Interval",
    "Interviewer",
    "Move",
    "Plan",
    "Policy",
    "RescheduleResult",
    "Schedule",
    "SchedulingInputError",
    "Slot",
    "SlotRequest",
    "clip",
    "default_business_hours",
    "free_slots",
    "intersect",
    "merge",
    "naive_free_slots",
    "naive_plan",
    "plan",
    "reschedule",
    "subtract",
]
