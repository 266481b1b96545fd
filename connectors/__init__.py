"""Connectors: one sub-package per accounting package (client, errors, tasks, sandbox)."""
