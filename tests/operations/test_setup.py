"""``doorstroom setup``: every automation exists after one command, and again after two."""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.events.schemas.automations import AutomationCore

from deployments.cli import main
from doorstroom.operations.automations import definitions
from doorstroom.operations.setup import bounds_from_settings, setup

NAMES = {"doorstroom-support-required", "doorstroom-no-heartbeat", "doorstroom-crashed",
         "doorstroom-urgent", "doorstroom-incident"}


def automation_names() -> list[str]:
    with get_client(sync_client=True) as client:
        return [a.name for a in client.read_automations() if a.name.startswith("doorstroom-")]


def test_given_a_set_up_server_when_set_up_again_then_nothing_changes(
        prefect_stack: object) -> None:
    assert sorted(automation_names()) == sorted(NAMES)  # the session stack ran setup once
    assert set(setup().values()) == {"unchanged"}
    assert main(["setup"]) == 0
    assert sorted(automation_names()) == sorted(NAMES)


def test_given_a_changed_bound_then_the_automation_is_updated_not_duplicated(
        prefect_stack: object) -> None:
    changed = bounds_from_settings().__class__(heartbeat=bounds_from_settings().heartbeat * 2)
    try:
        assert setup(changed)["doorstroom-no-heartbeat"] == "updated"
        assert automation_names().count("doorstroom-no-heartbeat") == 1
    finally:
        assert setup()["doorstroom-no-heartbeat"] == "updated"


def test_the_automations_are_wired_to_the_deployments_they_run(prefect_stack: object) -> None:
    with get_client(sync_client=True) as client:
        notify = client.read_deployment_by_name("notify-support/notify-support").id
        recover = client.read_deployment_by_name("recover-interrupted/recover-interrupted").id
        urgent = client.read_deployment_by_name("notify-urgent/notify-urgent").id
        follow = client.read_deployment_by_name("follow-incident/follow-incident").id
        stored = {a.name: a for a in client.read_automations()}
    for wanted in definitions(notify, recover, bounds_from_settings(), urgent, follow):
        assert stored[wanted.name].actions == wanted.actions
        assert stored[wanted.name].trigger == wanted.trigger


def test_given_an_automation_of_an_earlier_version_then_setup_deletes_it(
        prefect_stack: object) -> None:
    """The stuck-pending and stuck-running bounds moved to the recover sweep."""
    with get_client(sync_client=True) as client:
        [current] = client.read_automations_by_name("doorstroom-no-heartbeat")
        client.create_automation(AutomationCore.model_validate(
            {**current.model_dump(exclude={"id"}), "name": "doorstroom-stuck-pending"}))
    assert "doorstroom-stuck-pending" in automation_names()

    assert setup()["doorstroom-stuck-pending"] == "deleted"
    assert sorted(automation_names()) == sorted(NAMES)
