"""The one place where packages are registered: package name → connector class.

Adding a package = a new sub-package shaped like ``exact_online/`` plus one line here.
"""

from __future__ import annotations

from doorstroom.connectors.base import Connector
from doorstroom.connectors.exact_online.tasks import ExactOnlineConnector
from doorstroom.failures import failure
from doorstroom.failures import codes as c

CONNECTORS: dict[str, type[Connector]] = {
    ExactOnlineConnector.package: ExactOnlineConnector,
}


def connector_class(package: str) -> type[Connector]:
    """The connector class of ``package``; an unknown package is a support failure."""
    try:
        return CONNECTORS[package]
    except KeyError:
        raise failure(c.UNKNOWN_PACKAGE, package=package) from None
