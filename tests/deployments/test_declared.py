"""The served deployments are prefect.yaml's: one source, so they cannot disagree."""

from __future__ import annotations

import pkgutil
from datetime import timedelta

import yaml
from prefect.flows import Flow

import flows
from deployments.declared import declared, prefect_yaml
from deployments.serve import parse_every, served


def test_every_deployment_of_prefect_yaml_is_served_with_its_schedule_and_parameters() -> None:
    raw = {item["name"]: item for item in yaml.safe_load(prefect_yaml().read_text())["deployments"]}
    served_by_name = {item.name: item for item in served()}
    assert served_by_name.keys() == raw.keys()
    for name, item in served_by_name.items():
        assert isinstance(item.flow, Flow)
        assert item.flow.name == raw[name]["entrypoint"].split(":")[1].replace("_", "-")
        assert item.parameters == (raw[name].get("parameters") or {})
        assert item.concurrency_limit == raw[name].get("concurrency_limit")
        assert len(item.schedules) == len(raw[name].get("schedules") or [])
        for schedule, declared_schedule in zip(item.schedules, raw[name].get("schedules") or [],
                                               strict=True):
            if "interval" in declared_schedule:
                assert schedule.interval == timedelta(seconds=declared_schedule["interval"])
            else:
                assert schedule.cron == declared_schedule["cron"]
                assert schedule.timezone == declared_schedule.get("timezone", "UTC")


HELPERS = {"flows.outcome", "flows.publish"}
"""Modules of ``flows`` that hold no flow: what sync-dossier ends in and leaves behind."""


def test_every_flow_module_is_deployed() -> None:
    deployed = {item.flow.fn.__module__ for item in declared()}
    modules = {f"flows.{module.name}" for module in pkgutil.iter_modules(flows.__path__)}
    assert modules - HELPERS <= deployed


def test_an_override_changes_only_the_named_interval() -> None:
    overridden = {item.name: item for item in served(parse_every(["dispatch=10"]))}
    plain = {item.name: item for item in served()}
    assert overridden["dispatch"].schedules[0].interval == timedelta(seconds=10)
    assert overridden["recheck"].schedules[0].interval == plain["recheck"].schedules[0].interval
    assert overridden["dispatch"].parameters == plain["dispatch"].parameters
