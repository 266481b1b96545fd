"""Prefect flows: they orchestrate sync tasks and hold no package knowledge."""
