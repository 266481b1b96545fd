"""The names of Doorstroom's own Prefect events, shared by whoever emits them (flows, the
monitor) and the automations that answer them."""

from __future__ import annotations

TASK_RESOURCE = "doorstroom.sync-task"
"""A sync task as an event's resource: ``doorstroom.sync-task.<id>``."""
URGENT_EVENT = f"{TASK_RESOURCE}.marked-urgent"
"""A red task someone marked urgent; ``doorstroom-urgent`` mails support."""


def task_resource(task_id: int) -> str:
    """The resource id of a sync task."""
    return f"{TASK_RESOURCE}.{task_id}"
