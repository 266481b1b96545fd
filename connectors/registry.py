"""The one place where packages are registered: package name → connector class.

Adding a package = a new sub-package shaped like ``exact_online/`` plus one line here.
"""

from __future__ import annotations

from connectors.adsolut.connector import AdsolutConnector
from connectors.base import Connector, DossierRef
from connectors.exact_online.connector import ExactOnlineConnector
from connectors.expert_m.connector import ExpertMConnector
from connectors.winbooks.connector import WinBooksConnector
from connectors.wings.connector import WingsConnector
from doorstroom.failures import codes as c
from doorstroom.failures import failure

CONNECTORS: dict[str, type[Connector]] = {
    ExactOnlineConnector.package: ExactOnlineConnector,
    WinBooksConnector.package: WinBooksConnector,
    WingsConnector.package: WingsConnector,
    ExpertMConnector.package: ExpertMConnector,
    AdsolutConnector.package: AdsolutConnector,
}


def connector_class(package: str) -> type[Connector]:
    """The connector class of ``package``; an unknown package is a support failure."""
    try:
        return CONNECTORS[package]
    except KeyError:
        raise failure(c.UNKNOWN_PACKAGE, package=package) from None


def open_connector(package: str, dossier: DossierRef, block_name: str) -> Connector:
    """A connector for a dossier, with its connection loaded from the named Prefect block."""
    cls = connector_class(package)
    try:
        connection = cls.connection_type.load(block_name)
    except ValueError as error:
        raise failure(c.CONNECTION_NOT_CONFIGURED, detail=str(error), block=block_name) from None
    return cls(connection, dossier, block_name)


def package_names() -> dict[str, str]:
    """Package key → the name people know it by, for pages and filters."""
    return {package: cls.display_name for package, cls in CONNECTORS.items()}
