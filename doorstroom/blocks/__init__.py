"""Prefect blocks: where each package's connection settings and secrets live."""

from doorstroom.blocks.exact_online import ExactOnlineConnection

ALL_BLOCKS = [ExactOnlineConnection]

__all__ = ["ALL_BLOCKS", "ExactOnlineConnection"]
