"""Prefect blocks: where each package's connection settings and secrets live."""

from prefect.blocks.core import Block

from doorstroom.blocks.adsolut import AdsolutConnection
from doorstroom.blocks.agent import OnPremiseAgentConnection
from doorstroom.blocks.exact_online import ExactOnlineConnection
from doorstroom.blocks.smtp import SmtpConnection
from doorstroom.blocks.winbooks import WinBooksConnection

ALL_BLOCKS: list[type[Block]] = [ExactOnlineConnection, WinBooksConnection,
                                 OnPremiseAgentConnection, AdsolutConnection, SmtpConnection]

__all__ = ["ALL_BLOCKS", "AdsolutConnection", "ExactOnlineConnection", "OnPremiseAgentConnection",
           "SmtpConnection", "WinBooksConnection"]
