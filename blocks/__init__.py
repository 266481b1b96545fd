"""Prefect blocks: where each package's connection settings and secrets live."""

from prefect.blocks.core import Block

from blocks.adsolut import AdsolutConnection
from blocks.agent import OnPremiseAgentConnection
from blocks.exact_online import ExactOnlineConnection
from blocks.smtp import SmtpConnection
from blocks.winbooks import WinBooksConnection

ALL_BLOCKS: list[type[Block]] = [ExactOnlineConnection, WinBooksConnection,
                                 OnPremiseAgentConnection, AdsolutConnection, SmtpConnection]

__all__ = ["ALL_BLOCKS", "AdsolutConnection", "ExactOnlineConnection", "OnPremiseAgentConnection",
           "SmtpConnection", "WinBooksConnection"]
