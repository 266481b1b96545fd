"""``daily-statistics`` publishes the statistics page's figures as a Prefect artifact."""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

from flows.statistics import ARTIFACT_KEY, daily_statistics
from tests.monitor.test_statistics import seed_history


def test_the_daily_flow_publishes_time_to_fix_for_operators(prefect_stack: object) -> None:
    seed_history("Artefact Kantoor", "adsolut")

    found = daily_statistics()

    with get_client(sync_client=True) as client:
        [latest] = client.read_latest_artifacts(artifact_filter=ArtifactCollectionFilter(
            key=ArtifactCollectionFilterKey(any_=[ARTIFACT_KEY])))
    text = str(latest.data)
    assert "## Time to fix, last 30 days" in text
    assert f"{found.fixed} failed tasks fixed · {found.still_open} still open" in text
    assert "| Artefact Kantoor | 7 |" in text  # its row in "By office"
    assert "| Adsolut |" in text and "| Office |" in text and "| Support |" in text
