"""The deployments as ``prefect.yaml`` declares them: the one source for both ways to run.

``prefect deploy --all`` reads ``prefect.yaml`` for a work pool; ``doorstroom serve`` reads it
here and serves the same deployments (name, entrypoint, schedule, parameters, tags,
concurrency), so the two cannot disagree. A caller may change an interval on purpose (the
demo dispatches every 10 s and rechecks every minute) and says so where it does.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from prefect.flows import Flow
from prefect.schedules import Cron, Interval, Schedule

CHECKOUT = Path(__file__).resolve().parents[1]


def prefect_yaml() -> Path:
    """This checkout's ``prefect.yaml`` (``DOORSTROOM_CHECKOUT`` points at another one)."""
    return Path(os.environ.get("DOORSTROOM_CHECKOUT", CHECKOUT)) / "prefect.yaml"


@dataclass(frozen=True)
class Declared:
    """One deployment of ``prefect.yaml``, with its flow imported."""

    name: str
    flow: Flow[Any, Any]
    description: str
    tags: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()
    concurrency_limit: int | None = None
    queue: str = "default"
    """The work queue of ``prefect.yaml``: ``sync`` for sync runs, ``dispatch`` for the
    housekeeping flows; the in-process worker gives each its own slots."""

    def options(self) -> dict[str, Any]:
        """What Prefect's ``to_deployment`` and ``Runner.add_flow`` take besides the flow."""
        return {"name": self.name, "description": self.description, "tags": list(self.tags),
                "parameters": self.parameters, "schedules": list(self.schedules),
                "concurrency_limit": self.concurrency_limit}

    def to_deployment(self) -> Any:
        """The runner deployment the in-process worker registers."""
        return self.flow.to_deployment(**self.options())

    def every(self, seconds: float) -> Declared:
        """The same deployment on another interval (a deliberate override)."""
        return replace(self, schedules=(Interval(timedelta(seconds=seconds)),))


def load_flow(entrypoint: str) -> Flow[Any, Any]:
    """``flows/dispatch.py:dispatch`` → the flow object, imported as ``flows.dispatch``."""
    path, _, attribute = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow: Flow[Any, Any] = getattr(module, attribute)
    return flow


def _schedule(raw: dict[str, Any]) -> Schedule:
    if "interval" in raw:
        return Interval(timedelta(seconds=float(raw["interval"])))
    return Cron(raw["cron"], timezone=raw.get("timezone", "UTC"))


def declared(path: Path | None = None) -> list[Declared]:
    """Every deployment of ``prefect.yaml``, in its order."""
    document = yaml.safe_load((path or prefect_yaml()).read_text(encoding="utf-8"))
    return [
        Declared(name=raw["name"], flow=load_flow(raw["entrypoint"]),
                 description=raw.get("description", ""), tags=tuple(raw.get("tags", ())),
                 parameters=dict(raw.get("parameters") or {}),
                 schedules=tuple(_schedule(s) for s in raw.get("schedules") or ()),
                 concurrency_limit=raw.get("concurrency_limit"),
                 queue=(raw.get("work_pool") or {}).get("work_queue_name", "default"))
        for raw in document["deployments"]
    ]
