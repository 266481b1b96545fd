"""``doorstroom setup``: everything on the Prefect server that code alone does not create.

Idempotent, so it runs after every deploy: block types registered, automations created or
updated. Deployments come first (``prefect deploy --all`` or ``doorstroom serve``).
"""

from __future__ import annotations

from datetime import timedelta

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound

from connectors.registry import block_types
from doorstroom.operations import automations
from doorstroom.settings import get_settings

NEEDED = ("notify-support/notify-support", "recover-interrupted/recover-interrupted",
          "notify-urgent/notify-urgent", "follow-incident/follow-incident")


class SetupError(Exception):
    """Something the setup needs is missing; the message says what to run first."""


def bounds_from_settings() -> automations.Bounds:
    """The automations' bounds from ``DOORSTROOM_*`` settings."""
    settings = get_settings()
    return automations.Bounds(heartbeat=timedelta(seconds=settings.heartbeat_timeout_seconds))


def register_block_types() -> list[str]:
    """Make every Doorstroom block type known to the server (forms in the UI)."""
    types = block_types()
    for block in types:
        block.register_type_and_schema()
    return [block.get_block_type_slug() for block in types]


def setup(bounds: automations.Bounds | None = None) -> dict[str, str]:
    """Register block types and create/update every automation; return what happened."""
    register_block_types()
    with get_client(sync_client=True) as client:
        ids = []
        for name in NEEDED:
            try:
                ids.append(client.read_deployment_by_name(name).id)
            except ObjectNotFound:
                raise SetupError(f"deployment {name} does not exist yet: run "
                                 "'prefect deploy --all' (or start 'doorstroom serve') first"
                                 ) from None
        notify_support, recover, notify_urgent, follow_incident = ids
        wanted = automations.definitions(notify_support, recover,
                                         bounds or bounds_from_settings(), notify_urgent,
                                         follow_incident)
        return automations.ensure(client, wanted)
