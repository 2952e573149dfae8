"""How apps read the twins: an AAS HTTP/REST API client (IDTA 01002) that finds an equipment's
shell by its asset id (discovery), its submodels through the registry's descriptor, and reads
values with ``$value`` from the repository, as any AAS client would."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

__all__ = ["AasError", "AasReader"]


class AasError(Exception):
    """The AAS API refused a read or has no such twin."""


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


class AasReader:
    """Reads twins from the AAS API at ``base_url`` (``…/aas/api/v3.0``) with an API token."""

    def __init__(self, base_url: str, token: str, *, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = client or httpx.AsyncClient(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        self._submodels: dict[tuple[str, str], str] = {}

    async def _get(self, path: str, **params: Any) -> Any:
        response = await self._http.get(path, params=params or None)
        if response.status_code != 200:
            try:
                text = response.json()["messages"][0]["text"]
            except (ValueError, KeyError, IndexError, TypeError):
                text = response.text[:200]
            raise AasError(f"GET {path}: {response.status_code} {text}")
        return response.json()

    async def submodel_id(self, equipment: str, id_short: str) -> str:
        """Return the id of the submodel ``id_short`` of the twin of ``equipment`` (found once)."""
        key = (equipment, id_short)
        if key not in self._submodels:
            asset = _b64(json.dumps({"name": "equipmentId", "value": equipment}))
            shells = (await self._get("/lookup/shells", assetIds=asset))["result"]
            if not shells:
                raise AasError(f"no twin of equipment {equipment!r}")
            descriptor = await self._get(f"/shell-descriptors/{_b64(shells[0])}")
            for sub in descriptor.get("submodelDescriptors", []):
                self._submodels[(equipment, sub.get("idShort", ""))] = sub["id"]
        if key not in self._submodels:
            raise AasError(f"the twin of {equipment!r} has no submodel {id_short!r}")
        return self._submodels[key]

    async def value(self, equipment: str, path: str, *, submodel: str = "OperationalData") -> Any:
        """Return the value of the element at ``path`` of a submodel of the twin of ``equipment``."""
        sm_id = await self.submodel_id(equipment, submodel)
        found = await self._get(f"/submodels/{_b64(sm_id)}/submodel-elements/{path}/$value")
        return found[path.rsplit(".", 1)[-1]]

    async def values(self, equipment: str, *, submodel: str = "OperationalData") -> dict[str, Any]:
        """Return every value of a submodel of the twin of ``equipment``, by idShort."""
        sm_id = await self.submodel_id(equipment, submodel)
        return dict(await self._get(f"/submodels/{_b64(sm_id)}/$value"))

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()
