"""`YonyouClient`: one connection, one product — NC 6.x over SOAP or YonBIP over its OpenAPI.

The two products share nothing on the wire, so each has its own client (`nc_client`,
`bip_client`); this facade picks one by the connection's `flavor` and refuses, with a clear
error, a stream or write operation that belongs to the other product.

Read back (`read_back_operations`, `absent`) is the product's: NC reads back its pre-hire
persons (its service has no query for interview results or check-ins); YonBIP every operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

from connectors._core.errors import ConfigError
from connectors._core.ratelimit import RateBudget
from connectors._core.registry import get_connector
from connectors._core.write import WriteOutcome
from connectors.yonyou.bip_client import BipClient
from connectors.yonyou.nc_client import NcSoapClient
from connectors.yonyou.ncxml import NC_SERVICE

__all__ = ["FLAVORS", "YonyouClient"]

SYSTEM = "yonyou"
FLAVORS = {"nc": "NC 6.x (SOAP)", "bip": "YonBIP (OpenAPI)"}


class YonyouClient:
    """Delegates the connector contract to the product's client."""

    def __init__(
        self,
        base_url: str,
        *,
        flavor: str = "nc",
        username: str,
        password: str,
        wsdl: str | None = None,
        service: str = NC_SERVICE,
        page_size: int = 500,
        operation_timeout: float = 60.0,
        rate_budget: RateBudget | None = None,
    ) -> None:
        if flavor not in FLAVORS:
            known = ", ".join(f"{k} ({v})" for k, v in FLAVORS.items())
            raise ConfigError(
                f"unknown Yonyou flavor {flavor!r}; use one of {known}", system=SYSTEM
            )
        self.flavor = flavor
        self.spec = get_connector(SYSTEM)
        budget = rate_budget or RateBudget.from_manifest(self.spec.rate_budget)
        self.inner: NcSoapClient | BipClient
        if flavor == "nc":
            self.inner = NcSoapClient(
                base_url,
                username=username,
                password=password,
                service=service,
                wsdl=wsdl or None,
                page_size=page_size,
                operation_timeout=operation_timeout,
                rate_budget=budget,
            )
        else:
            self.inner = BipClient(
                base_url,
                app_key=username,
                app_secret=password,
                page_size=page_size,
                rate_budget=budget,
            )

    @property
    def retry_policy(self) -> Any:
        """The product client's retry policy (a connection's retry extras set it there)."""
        return self.inner.retry_policy

    @retry_policy.setter
    def retry_policy(self, policy: Any) -> None:
        self.inner.retry_policy = policy

    @property
    def _token(self) -> str | None:
        """The current access token (YonBIP), for tests that prove it never leaks."""
        return getattr(self.inner, "_token", None)

    def check(self) -> str:
        return self.inner.check()

    def read_stream(
        self, stream: str, since: str | None = None, overlap_seconds: int = 0
    ) -> Iterator[list[dict[str, Any]]]:
        self._own(stream, self.spec.stream(stream).flavor, "stream")
        return self.inner.read_stream(stream, since, overlap_seconds)

    def cursor_value(self, stream: str, record: dict[str, Any]) -> str | None:
        return self.inner.cursor_value(stream, record)

    def write(self, operation: str, records: list[dict[str, Any]]) -> list[WriteOutcome]:
        self._own(operation, self.spec.operation(operation).get("flavor"), "operation")
        return self.inner.write(operation, records)

    @property
    def read_back_operations(self) -> tuple[str, ...]:
        """The operations whose records this product can read back (daily reconciliation)."""
        return tuple(self.inner.read_back_operations)

    def absent(self, operation: str, remote_ids: Iterable[str]) -> set[str]:
        """Which of these landed records the product no longer holds (see its client)."""
        self._own(operation, self.spec.operation(operation).get("flavor"), "operation")
        return self.inner.absent(operation, remote_ids)

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> YonyouClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"YonyouClient({self.flavor}: {self.inner!r})"

    def _own(self, name: str, flavor: str | None, kind: str) -> None:
        if flavor not in (None, self.flavor):
            raise ConfigError(
                f"{kind} {name!r} belongs to {FLAVORS[flavor]}, but this connection's flavor is "
                f"{self.flavor} ({FLAVORS[self.flavor]}); set the connection's flavor to {flavor}",
                system=SYSTEM,
            )
