"""The one place where packages are registered: one descriptor per accounting package.

Adding a package = a new sub-package shaped like ``exact_online/`` plus one line here (and
its texts in the failures' catalogue).
"""

from __future__ import annotations

from prefect.blocks.core import Block

from blocks.smtp import SmtpConnection
from connectors.adsolut.descriptor import ADSOLUT
from connectors.descriptor import PackageDescriptor
from connectors.exact_online.descriptor import EXACT_ONLINE
from connectors.expert_m.descriptor import EXPERT_M
from connectors.winbooks.descriptor import WINBOOKS
from connectors.wings.descriptor import WINGS
from doorstroom.failures import codes as c
from doorstroom.failures import failure

PACKAGES: dict[str, PackageDescriptor] = {
    descriptor.package: descriptor
    for descriptor in (EXACT_ONLINE, WINBOOKS, WINGS, EXPERT_M, ADSOLUT)
}


def descriptor(package: str) -> PackageDescriptor:
    """The descriptor of ``package``; an unknown package is a support failure."""
    try:
        return PACKAGES[package]
    except KeyError:
        raise failure(c.UNKNOWN_PACKAGE, package=package) from None


def block_types() -> list[type[Block]]:
    """Every block type Doorstroom saves: each package's connection, and the SMTP server."""
    types: list[type[Block]] = []
    for package in PACKAGES.values():
        if package.connection not in types:
            types.append(package.connection)
    return [*types, SmtpConnection]
