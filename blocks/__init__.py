"""Prefect blocks: where each package's connection settings and secrets live.

Block definitions only; which package uses which block is declared in its connector's
``descriptor.py``, and ``connectors.registry.block_types()`` lists them all.
"""
