"""HTTP client for WinBooks on Web: licence tokens, object-model routes, ContinuePath paging.

- ``POST {base}/OAuth20/Token`` with ``Authorization: Basic base64(e-mail)`` and
  ``grant_type=exchange_token`` (first time) or ``refresh_token``, the token in ``code``;
  tokens rotate and are shared through the block (:class:`TokenKeeper`).
- ``/app/{OM}/{Code}/Folder/{Folder}`` reads, adds (POST) and deletes one object;
  ``/app/{OMS}/Folder/{Folder}/ExecuteCriteria`` queries; a ``ContinuePath`` answer header
  means more rows follow and is sent back to get them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import httpx

from blocks.winbooks import WinBooksConnection
from connectors.http_errors import classify_transport_error
from connectors.token_keeper import TokenKeeper
from connectors.winbooks import errors

ENTITY_TYPES = {
    "BookPeriods": "Winbooks.TORM.OM.Accounting.BookPeriod, Winbooks.TORM.OM",
    "Thirds": "Winbooks.TORM.OM.Third, Winbooks.TORM.OM",
    "GLAccounts": "Winbooks.TORM.OM.Accounting.GLAccount, Winbooks.TORM.OM",
    "GLTransHeaders": "Winbooks.TORM.OM.Accounting.GLTransHeader, Winbooks.TORM.OM",
    "Vats": "Winbooks.TORM.OM.Accounting.VatAccount, Winbooks.TORM.OM",
    "Journals": "Winbooks.TORM.OM.Accounting.Journal, Winbooks.TORM.OM",
}


def criteria_body(oms: str, equal: Mapping[str, object]) -> dict[str, Any]:
    """An ExecuteCriteria body selecting rows whose properties equal ``equal`` (modelled)."""
    return {
        "EntityType": ENTITY_TYPES[oms], "Alias": "this",
        "Criterions": [{"PropertyName": name, "Operator": 0, "Value": value}
                       for name, value in equal.items()],
    }


class WinBooksClient:
    """Talks to WinBooks on Web on behalf of one folder (dossier)."""

    def __init__(self, connection: WinBooksConnection, folder: str, dossier_name: str,
                 block_name: str = "", http: httpx.Client | None = None) -> None:
        self.folder = folder
        self.dossier_name = dossier_name
        self.http = http or httpx.Client(timeout=connection.timeout_seconds)
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

    def criteria(self, oms: str, **equal: object) -> list[dict[str, Any]]:
        """Rows of ``oms`` whose properties equal ``equal``, following ContinuePath."""
        path = f"{oms}/Folder/{self.folder}/ExecuteCriteria"
        body = criteria_body(oms, equal)
        rows: list[dict[str, Any]] = []
        headers: dict[str, str] = {}
        while True:
            response = self.request("POST", path, json=body, headers=headers)
            page = self._json(response)
            if not isinstance(page, list):
                raise errors.unexpected(f"{oms}: answer is not a list")
            rows.extend(page)
            more = response.headers.get("ContinuePath")
            if not more:
                return rows
            headers = {"ContinuePath": more}

    def get(self, om: str, code: str) -> dict[str, Any] | None:
        """One object, or ``None`` when it does not exist."""
        response = self.request("GET", f"{om}/{code}/Folder/{self.folder}", allow=(404,))
        return None if response.status_code == 404 else self._object(response)

    def add(self, om: str, code: str, body: Mapping[str, Any],
            context: Mapping[str, str] | None = None) -> bool:
        """Add an object; ``False`` when one with that code already exists."""
        response = self.request("POST", f"{om}/{code}/Folder/{self.folder}",
                                json={**body, "Code": code}, context=context, allow=(409,))
        if response.status_code == 409:
            return False
        self._object(response)
        return True

    def delete(self, om: str, code: str) -> None:
        """Delete an object; one that is already gone counts as deleted."""
        self.request("DELETE", f"{om}/{code}/Folder/{self.folder}", allow=(404,))

    def _object(self, response: httpx.Response) -> dict[str, Any]:
        data = self._json(response)
        if not isinstance(data, dict):
            raise errors.unexpected(f"{response.request.url.path}: not an object")
        return data

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise errors.unexpected(f"{response.request.url.path}: {error!r}") from error
