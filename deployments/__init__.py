"""Deployments: how the flows are served (embedded default) or deployed (prefect.yaml)."""
