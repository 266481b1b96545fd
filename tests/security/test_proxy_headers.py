"""Finding 7: ``X-Forwarded-For`` and ``X-Forwarded-Proto`` were believed from any client.

The embedded stack's servers (monitor, ingest API, sandboxes) have no proxy in front of them,
so they believe none of these headers; ``doorstroom monitor`` believes them only from the
addresses given with ``--forwarded-allow-ips``.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request

from connectors.sandbox_server import SandboxServer
from deployments.cli import build_parser


def test_a_client_cannot_claim_https_or_another_address() -> None:
    app = FastAPI()

    @app.get("/seen")
    def seen(request: Request) -> dict[str, str]:
        return {"scheme": request.url.scheme,
                "client": request.client.host if request.client else ""}

    with SandboxServer(app) as server:
        answer = httpx.get(f"{server.url}/seen", headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}).json()
    assert answer == {"scheme": "http", "client": "127.0.0.1"}


def test_the_monitor_command_believes_only_the_proxies_it_is_given() -> None:
    default = build_parser().parse_args(["monitor"])
    assert default.forwarded_allow_ips == "127.0.0.1"
    given = build_parser().parse_args(["monitor", "--forwarded-allow-ips", "10.0.0.5"])
    assert given.forwarded_allow_ips == "10.0.0.5"
