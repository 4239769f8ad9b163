"""The result of writing one record in a batch: landed, or refused with the reason.

Systems answer batch writes per record (SuccessFactors' upsert, DingTalk's forbidden lists,
DRF validation errors); a client turns each answer into a `WriteOutcome` so the push step can
receipt the landed records and dead-letter the refused ones while the batch goes on. A client
that writes record by record stops with a `BatchBreaker` once the system itself has failed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from connectors._core.errors import ConnectorError, RetriableError


@dataclass(frozen=True)
class WriteOutcome:
    """One record of a batch write. `error` is set exactly when `ok` is False."""

    index: int
    ok: bool
    remote_id: str | None = None
    error: ConnectorError | None = None

    def __post_init__(self) -> None:
        if self.ok == (self.error is not None):
            raise ValueError("a WriteOutcome has an error exactly when it is not ok")

    @property
    def retriable(self) -> bool:
        """The system may accept this record later (throttled, busy), so it stays queued."""
        return isinstance(self.error, RetriableError)


class BatchBreaker:
    """Stops a batch write after the system itself failed, instead of failing every record.

    Why: a client that writes record by record lets each call spend its whole retry budget
    (up to 120 s, 8 attempts) before the loop goes on to the next record, which meets the
    same down system: 170 interview orders took hours to fail. Once one call has failed
    because of the system, the rest of the batch is not sent; each of those records gets a
    retriable outcome naming the record whose call failed and why, so the push step requeues
    it for the next run (nothing is lost, nothing is dead-lettered for it).

    The rule: the breaker trips on a `RetriableError` (`RateLimited` included) the client's
    own retries gave up on: no answer (connection refused or reset, timeout), a 5xx, throttling
    (429, or a vendor code the error table files under retry / rate_limited, such as DingTalk
    -1 system busy or 90018, an NC server fault, YonBIP 500). Those say the system cannot take
    calls now, whichever record comes next. It never trips on `RecordRejected`,
    `DataContractError` or `FatalError` (one record's fault, or not transient), nor on a
    retriable vendor code the client names in `per_record_codes` because it concerns one
    record only (DingTalk 143105, one recipient's daily message cap). Retriable outcomes a
    client builds about one record from a successful answer (a recipient over quota, an
    assessment whose interview is not there yet) are not failed calls and never reach it.
    """

    def __init__(self, system: str, *, per_record_codes: Collection[str] = ()) -> None:
        self.system = system
        self.per_record_codes = frozenset(per_record_codes)
        self.cause: RetriableError | None = None  # set when tripped: the system's failure
        self.failed_record: str | None = None  # the record (or call) it failed on

    @property
    def tripped(self) -> bool:
        return self.cause is not None

    def trip_on(self, error: ConnectorError, record_id: str | None = None) -> None:
        """Trip if `error`, a record's or a call's, is the system's failure (see the rule);
        `record_id` names what was being written (default: the error's own record_id)."""
        if (
            self.cause is None
            and isinstance(error, RetriableError)
            and error.vendor_code not in self.per_record_codes
        ):
            self.cause = error
            self.failed_record = record_id or error.record_id

    def not_sent(self, index: int, record_id: str | int) -> WriteOutcome:
        """The retriable outcome of a record the tripped breaker kept from being sent."""
        if self.cause is None:
            raise RuntimeError("the breaker has not tripped: send the record")
        earlier = f" ({self.failed_record})" if self.failed_record else ""
        error = RetriableError(
            f"not sent: {self.system} failed on an earlier record of this batch{earlier}, so "
            f"the rest of the batch waits for the next push; that failure: {self.cause}",
            system=self.system,
            record_id=record_id,
            retry_after=self.cause.retry_after,
        )
        return WriteOutcome(index, False, error=error)
