"""The result of writing one record in a batch: landed, or refused with the reason.

Systems answer batch writes per record (SuccessFactors' upsert, DingTalk's forbidden lists,
DRF validation errors); a client turns each answer into a `WriteOutcome` so the push step can
receipt the landed records and dead-letter the refused ones while the batch goes on.
"""

from __future__ import annotations

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
