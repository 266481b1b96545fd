"""WinBooks on Web, declared: REST with licence tokens; no published call limits."""

from __future__ import annotations

from blocks.winbooks import WinBooksConnection
from connectors.descriptor import PackageDescriptor
from connectors.winbooks.connector import WinBooksConnector
from connectors.winbooks.sandbox import WinBooksSandbox
from connectors.winbooks.tasks import TASKS
from doorstroom.failures import codes as c

WINBOOKS = PackageDescriptor(
    package="winbooks",
    connector=WinBooksConnector,
    connection=WinBooksConnection,
    tasks=TASKS,
    sandbox=WinBooksSandbox,
    probed=frozenset({c.WINBOOKS_FOLDER_RIGHTS_MISSING.name}),
)
