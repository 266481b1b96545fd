"""The names of Doorstroom's own Prefect events, shared by whoever emits them (flows, the
monitor) and the automations that answer them."""

from __future__ import annotations

TASK_RESOURCE = "doorstroom.sync-task"
"""A sync task as an event's resource: ``doorstroom.sync-task.<id>``."""
SUPPORT_REQUIRED_EVENT = f"{TASK_RESOURCE}.support-required"
"""A task ended red; ``doorstroom-support-required`` mails support (once per run)."""
URGENT_EVENT = f"{TASK_RESOURCE}.marked-urgent"
"""A red task someone marked urgent; ``doorstroom-urgent`` mails support."""


def task_resource(task_id: int) -> str:
    """The resource id of a sync task."""
    return f"{TASK_RESOURCE}.{task_id}"

INCIDENT_RESOURCE = "doorstroom.incident"
"""An outage over many dossiers as an event's resource: ``doorstroom.incident.<id>``."""
INCIDENT_OPENED = f"{INCIDENT_RESOURCE}.opened"
"""A run opened an incident; ``doorstroom-incident`` starts its ``follow-incident`` run."""


def incident_resource(incident_id: int) -> str:
    """The resource id of an incident."""
    return f"{INCIDENT_RESOURCE}.{incident_id}"
