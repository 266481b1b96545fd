"""Golden examples: requests and responses as a package's own documentation shows them.

Each package keeps its examples in ``tests/connectors/<package>/golden/`` with the source
named in the file. The helpers compare what a connector sends with an example's *shape*
(element names and nesting, or JSON keys), and feed an example's response to the connector
through an httpx transport — no sandbox involved, so a sandbox that shares the connector's
mistakes cannot hide them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from lxml import etree

GOLDEN = Path(__file__).parent


def golden(package: str, name: str) -> bytes:
    """The bytes of one golden example."""
    return (GOLDEN / package / "golden" / name).read_bytes()


def xml_shape(document: bytes) -> list[str]:
    """Every element's path of namespace-qualified names, in document order (no values)."""
    root = etree.fromstring(document)
    tree = root.getroottree()
    return [tree.getelementpath(node) for node in root.iter() if isinstance(node.tag, str)]


def answering(respond: Callable[[httpx.Request], bytes | tuple[int, bytes]],
              seen: list[httpx.Request] | None = None) -> httpx.Client:
    """An httpx client whose every request gets ``respond(request)`` (body, or status+body)."""
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = respond(request)
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        return httpx.Response(status, content=body,
                              headers={"content-type": "text/xml; charset=utf-8"})

    return httpx.Client(transport=httpx.MockTransport(handle))
