"""The one error the scheduler raises for bad input.

Schedules are built from several systems' data (attendance, calendars, the ATS), so an error
must say whose record and which field is wrong; otherwise nobody knows where to fix it.
"""

from __future__ import annotations

__all__ = ["SchedulingInputError"]


class SchedulingInputError(ValueError):
    """Input the scheduler cannot use; `owner` and `field` say where it came from.

    `owner` names the record ("interviewer u123", "candidate c9", "policy"), `field` the value
    inside it ("busy[3].start"); both appear in the message.
    """

    def __init__(self, owner: str, field: str, problem: str) -> None:
        self.owner = owner
        self.field = field
        self.problem = problem
        where = f"{owner}: {field}" if field else owner
        super().__init__(f"{where}: {problem}")
