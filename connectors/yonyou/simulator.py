"""The Yonyou simulator: NC 6.x's SOAP services and YonBIP's OpenAPI on one loopback port.

Both faces read and write one HR store (`sim_data.YonyouData`), so a sandbox serves whichever
product a connection names (`flavor` nc or bip). Each face lives in its own module
(`sim_nc.NcSoapFace`, `sim_bip.BipFace`) and answers faults in its own format: a SOAP Fault
for `/uapws/...`, the `{code, message}` envelope for YonBIP paths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from connectors._core.simulator import FaultSpec, Request, Response, SimulatorServer
from connectors.yonyou.ncxml import NC_SERVICE
from connectors.yonyou.sim_bip import BipFace
from connectors.yonyou.sim_data import YonyouData
from connectors.yonyou.sim_nc import NcSoapFace

__all__ = ["SANDBOX_APP_KEY", "SANDBOX_APP_SECRET", "YonyouSimulator"]

# The sandbox credentials: NC's WS-Security user, YonBIP's appKey / appSecret.
SANDBOX_APP_KEY = "hrhub-sandbox"
SANDBOX_APP_SECRET = "Yonyou-Sandbox-Secret-5c2e"


class YonyouSimulator(NcSoapFace, BipFace, SimulatorServer):
    """Serves `/uapws/service/<interface>` (NC SOAP) and `/open-auth`, `/yonbip` (YonBIP)."""

    system = "yonyou"

    def __init__(
        self,
        faults: FaultSpec | str | None = None,
        *,
        persons: int = 600,
        applicants: int = 400,
        seed: int = 7,
        encoding: str = "UTF-8",
        clock: Callable[[], datetime] | None = None,
        username: str = SANDBOX_APP_KEY,
        password: str = SANDBOX_APP_SECRET,
        extra_applicants: Iterable[Mapping[str, Any]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(faults, **kwargs)
        self.data = YonyouData(
            persons=persons,
            applicants=applicants,
            seed=seed,
            clock=clock,
            extra_applicants=extra_applicants,
        )
        self.username = username
        self.password = password
        self.encoding = encoding
        self.init_nc()
        self.init_bip()

    def connection_extra(self) -> dict[str, str]:
        """The WSDL a sandbox connection may load instead of the bundled copy."""
        return {"wsdl": f"{self.url}/uapws/service/{NC_SERVICE}?wsdl"}

    def count_stream(self, stream: str) -> int:
        """How many records a full read of `stream` returns (the conformance suite checks it)."""
        with self.data.lock:
            if stream in ("nc_persons", "bip_staff"):
                return len(self.data.persons)
            if stream == "nc_applicants":
                return len(self.data.applicants)
        raise KeyError(f"the yonyou simulator has no stream {stream!r}")

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Copies of one store table, for reconciliations and tests (read-only): "persons"
        (origin "seed" or the hrhub record that created the pre-hire), "applicants",
        "interview_results" and "checkins" (by the caller's bill id or code), "requisitions"."""
        data = self.data
        sources = {
            "persons": data.persons,
            "applicants": data.applicants,
            "interview_results": data.results,
            "checkins": data.checkins,
            "requisitions": data.requisitions,
        }
        if table not in sources:
            known = ", ".join(sources)
            raise KeyError(f"the yonyou simulator has no table {table!r} (known: {known})")
        with data.lock:
            return [dataclasses.asdict(row) for row in sources[table].values()]  # copies

    def delete(self, table: str, key: str) -> dict[str, Any]:
        """Remove one record, as a person deleting it in NC's or YonBIP's console would (drift
        the hub's daily reconciliation must find and repair); returns what was removed. `key`
        is the store's key, as `rows()` shows it: a person's pk_psndoc, an interview result's
        or check-in's bill_id, a requisition's id."""
        data = self.data
        with data.lock:
            if table == "persons":
                removed: Any = data.persons.pop(key, None)
                if removed is not None:
                    del data.person_by_id_number[removed.id_number]
                    del data.person_by_bip_id[removed.bip_id]
            elif table == "requisitions":
                removed = data.requisitions.pop(key, None)
                if removed is not None:
                    del data.requisition_by_code[removed.code]
            elif table in ("interview_results", "checkins", "applicants"):
                store = {
                    "interview_results": data.results,
                    "checkins": data.checkins,
                    "applicants": data.applicants,
                }[table]
                removed = store.pop(key, None)
            else:
                raise KeyError(f"the yonyou simulator has no table {table!r}")
            if removed is None:
                raise KeyError(f"{table} has no record {key!r}")
            return dataclasses.asdict(removed)

    # -- faults in the format of the face that was called --------------------------------------

    def _is_nc(self) -> bool:
        req = self.current_request
        return req is not None and req.path.startswith("/uapws/")

    def fault_error(self) -> Response:
        if self._is_nc():
            return self.nc_fault("Server", "java.lang.RuntimeException: 数据库连接池已满")
        return self.bip_error("500", "系统繁忙,请稍后重试", status=500)

    def fault_rate_limited(self, retry_after: int) -> Response:
        # NC has no throttling of its own; the gateway in front of it answers 503.
        if self._is_nc():
            return Response(
                503,
                "<html><body>503 Service Unavailable</body></html>",
                headers={"Retry-After": str(retry_after)},
                content_type="text/html",
            )
        return self.bip_error(
            "429", "请求过于频繁", status=429, headers={"Retry-After": str(retry_after)}
        )

    def not_found(self, req: Request) -> Response:
        if self._is_nc():
            return self.nc_fault(
                "Client", f"The service cannot be found for the endpoint reference (EPR) {req.path}"
            )
        return self.bip_error("404", f"api not found: {req.path}", status=404)

    def server_error(self, req: Request, exc: Exception) -> Response:
        if self._is_nc():
            return self.nc_fault("Server", f"{type(exc).__name__}: {exc}")
        return self.bip_error("500", f"{type(exc).__name__}: {exc}", status=500)
