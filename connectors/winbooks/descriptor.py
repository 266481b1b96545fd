"""WinBooks on Web, declared: REST with licence tokens; no published call limits."""

from __future__ import annotations

from blocks.winbooks import WinBooksConnection
from connectors.descriptor import PackageDescriptor
from connectors.winbooks import errors
from connectors.winbooks.connector import WinBooksConnector
from connectors.winbooks.sandbox import WinBooksSandbox
from connectors.winbooks.tasks import TASKS

WINBOOKS = PackageDescriptor(
    package="winbooks",
    connector=WinBooksConnector,
    connection=WinBooksConnection,
    tasks=TASKS,
    sandbox=WinBooksSandbox,
    probed=frozenset({errors.WINBOOKS_FOLDER_RIGHTS_MISSING.name}),
)
