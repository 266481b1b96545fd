"""Doorstroom's on-premise agent protocol, version 1, shared by Wings and Expert/M.

Those packages run on the office's own server and offer no web API; the Doorstroom agent
installed there reaches the package's database and answers, over HTTPS, with a Bearer token
per office:

| call | answer |
| --- | --- |
| ``GET /v1/health`` | ``{"agent_version", "package", "protocol"}`` |
| ``GET /v1/dossiers/{dossier}`` | the dossier's name and database state |
| ``GET /v1/dossiers/{dossier}/bookings?reference=R`` | bookings carrying our reference |
| ``POST /v1/dossiers/{dossier}/bookings`` | 201 ``{"booking_id"}`` (an existing reference: 200) |
| ``DELETE /v1/dossiers/{dossier}/bookings/{id}`` | 204 |
| ``GET /v1/dossiers/{dossier}/master-data`` | parties, accounts, VAT codes, journals, periods |

Errors: ``{"error": {"code", "message", "details"}}``; the codes are listed in ``errors.py``.
The protocol is ours, so it is versioned in the path and the agent reports its version.
"""
