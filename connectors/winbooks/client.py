"""HTTP client for WinBooks on Web: licence tokens, object-model routes, criteria, paging.

Follows WinBooks' DEV pages and the whitecube client (``docs/packages.md``):

- ``POST {base}/OAuth20/Token`` with ``Authorization: Basic base64(e-mail)`` and
  ``grant_type=exchange_token`` (first time) or ``refresh_token``, the token in ``code``;
  tokens rotate and are shared through the block (:class:`TokenKeeper`); a 401 refreshes.
- ``/app/{OM}/{Code or Id}/Folder/{Folder}`` reads, adds (POST) and deletes one object;
  ``POST /app/{OMS}/Folder/{Folder}`` adds a list of objects (``OMS`` = ``OM`` + ``s``);
- ``POST /app/{OMS}/Folder/{Folder}/ExecuteCriteria`` queries with
  ``{"EntityType", "Conditions": [{"Operator", "PropertyName", "OtherPropertyName",
  "Values"}], "Orders", "FirstResult", "MaxResult"}`` — the server ignores keys it does not
  know, so a misspelt body silently selects everything;
- a ``ContinuePath`` answer header means more rows follow: the same request is sent again with
  that header.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from blocks.winbooks import WinBooksConnection
from connectors.http import package_client
from connectors.http_errors import classify_transport_error, describe
from connectors.token_keeper import TokenKeeper
from connectors.winbooks import errors

ENTITY_TYPES = {
    "BookPeriods": "Winbooks.TORM.OM.Accounting.BookPeriod, Winbooks.TORM.OM",
    "Suppliers": "Winbooks.TORM.OM.Supplier, Winbooks.TORM.OM",
    "Customers": "Winbooks.TORM.OM.Customer, Winbooks.TORM.OM",
    "GLAccounts": "Winbooks.TORM.OM.Accounting.GLAccount, Winbooks.TORM.OM",
    "GLTransHeaders": "Winbooks.TORM.OM.Accounting.GLTransHeader, Winbooks.TORM.OM",
    "GLTranss": "Winbooks.TORM.OM.Accounting.GLTrans, Winbooks.TORM.OM",
    "Vats": "Winbooks.TORM.OM.Accounting.Vat, Winbooks.TORM.OM",
    "Journals": "Winbooks.TORM.OM.Accounting.Journal, Winbooks.TORM.OM",
}
EQ, NOT = 0, 21
"""ExecuteCriteria operators (the whitecube client's table: 0 equal, 21 not)."""


def eq(name: str, value: object) -> dict[str, Any]:
    """The condition ``name == value``."""
    return {"Operator": EQ, "PropertyName": name, "OtherPropertyName": "", "Values": [value]}


def not_(condition: dict[str, Any]) -> dict[str, Any]:
    """The negation of a condition."""
    return {"Operator": NOT, "PropertyName": "", "OtherPropertyName": "", "Values": [condition]}


def criteria_body(oms: str, conditions: Sequence[dict[str, Any]],
                  orders: Sequence[tuple[str, bool]] = (), first: int = 0,
                  most: int | None = None) -> dict[str, Any]:
    """An ExecuteCriteria body, as the DEV pages' examples build it."""
    body: dict[str, Any] = {"EntityType": ENTITY_TYPES[oms], "Conditions": list(conditions)}
    if orders:
        body["Orders"] = [{"PropertyName": name, "Alias": None, "Projections": None,
                           "Ascending": ascending} for name, ascending in orders]
    if most is not None:
        body.update(FirstResult=first, MaxResult=most)
    return body


class WinBooksClient:
    """Talks to WinBooks on Web on behalf of one folder (dossier)."""

    def __init__(self, connection: WinBooksConnection, folder: str, dossier_name: str,
                 block_name: str = "", http: httpx.Client | None = None) -> None:
        self.folder = folder
        self.dossier_name = dossier_name
        self.http = http or package_client(connection.timeout_seconds)
        self._owns_http = http is None
        self.tokens = TokenKeeper(connection, block_name, errors.PACKAGE, self._request_tokens)

    @property
    def base_url(self) -> str:
        """The API's base URL from the current connection."""
        return str(self.tokens.connection.base_url).rstrip("/")

    def close(self) -> None:
        """Close the HTTP connection pool if this client opened it."""
        if self._owns_http:
            self.http.close()

    def _request_tokens(self, connection: WinBooksConnection) -> httpx.Response:
        grant, token = (("refresh_token", connection.refresh_token) if connection.refresh_token
                        else ("exchange_token", connection.exchange_token))
        basic = base64.b64encode(connection.email.encode()).decode()
        return self.http.post(f"{self.base_url}/OAuth20/Token",
                              headers={"Authorization": f"Basic {basic}"},
                              data={"grant_type": grant, "code": token.get_secret_value()})

    def request(self, method: str, path: str, *, json: Any = None,
                headers: Mapping[str, str] | None = None,
                context: Mapping[str, str] | None = None,
                allow: tuple[int, ...] = ()) -> httpx.Response:
        """One call under ``/app``; unsuccessful answers not in ``allow`` raise SyncFailure."""
        url = f"{self.base_url}/app/{path}"
        response = self._send(method, url, json, headers, self.tokens.access_token())
        if response.status_code == 401:
            response = self._send(method, url, json, headers, self.tokens.access_token(True))
        if response.is_success or response.status_code in allow:
            return response
        raise errors.classify(response, self.dossier_name, context or {})

    def _send(self, method: str, url: str, json: Any, headers: Mapping[str, str] | None,
              token: str) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                       **(headers or {})}
        try:
            return self.http.request(method, url, json=json, headers=all_headers)
        except httpx.TransportError as error:
            raise classify_transport_error(error) from error

    def criteria(self, oms: str, *conditions: dict[str, Any],
                 orders: Sequence[tuple[str, bool]] = (),
                 most: int | None = None) -> list[dict[str, Any]]:
        """Rows of ``oms`` meeting every condition, following ContinuePath."""
        path = f"{oms}/Folder/{self.folder}/ExecuteCriteria"
        body = criteria_body(oms, conditions, orders, 0, most)
        rows: list[dict[str, Any]] = []
        headers: dict[str, str] = {}
        while True:
            response = self.request("POST", path, json=body, headers=headers)
            page = self._json(response)
            if not isinstance(page, list):
                raise errors.unexpected(f"{oms}: answer is not a list")
            rows.extend(page)
            more = response.headers.get("ContinuePath")
            if not more or (most is not None and len(rows) >= most):
                return rows
            headers = {"ContinuePath": more}

    def get(self, om: str, key: str) -> dict[str, Any] | None:
        """One object by its code or Id, or ``None`` when it does not exist."""
        response = self.request("GET", f"{om}/{key}/Folder/{self.folder}", allow=(404,))
        return None if response.status_code == 404 else self._object(response)

    def add(self, om: str, code: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Add one object under its code; an object that exists already is read instead."""
        response = self.request("POST", f"{om}/{code}/Folder/{self.folder}",
                                json={**body, "Code": code}, allow=(409,))
        if response.status_code == 409:
            found = self.get(om, code)
            if found is None:
                raise errors.unexpected(f"{om} {code}: 409 on add, 404 on read")
            return found
        return self._object(response)

    def add_many(self, oms: str, objects: Sequence[Mapping[str, Any]],
                 context: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """Add a list of objects; the answer lists what was made (``Id`` and ``Href``)."""
        response = self.request("POST", f"{oms}/Folder/{self.folder}", json=list(objects),
                                context=context)
        made = self._json(response)
        if not isinstance(made, list) or not all(isinstance(item, dict) for item in made):
            raise errors.unexpected(f"{oms}: the answer to an add is not a list of objects")
        return made

    def delete(self, om: str, key: str) -> None:
        """Delete an object; one that is already gone counts as deleted."""
        self.request("DELETE", f"{om}/{key}/Folder/{self.folder}", allow=(404,))

    def _object(self, response: httpx.Response) -> dict[str, Any]:
        data = self._json(response)
        if not isinstance(data, dict):
            raise errors.unexpected(f"{response.request.url.path}: not an object")
        return data

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise errors.unexpected(f"{response.request.url.path}: {type(error).__name__} — "
                                    f"{describe(response)}") from error
