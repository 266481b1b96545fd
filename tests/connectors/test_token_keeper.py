"""A rotating token is refreshed once for all the runs that find it stale at the same time.

Real parts: the Prefect server (the lock), the saved connection block, the Exact sandbox
(which rotates refresh tokens and refuses a spent one, as Exact does).
"""

from __future__ import annotations

import threading

from blocks.exact_online import ExactOnlineConnection
from connectors.base import DossierRef
from connectors.exact_online.connector import ExactOnlineConnector
from tests.sandboxes import RunningExact

RUNS = 6


def grants_issued(exact_sandbox: RunningExact) -> int:
    """Access tokens the sandbox has handed out (one per refresh)."""
    return len(exact_sandbox.state.access_tokens)


def test_runs_finding_the_token_stale_at_once_refresh_it_once_and_all_go_on(
        exact_block: str, exact_sandbox: RunningExact) -> None:
    exact_sandbox.state.add_division(31, "Dossier 31")
    connectors = [ExactOnlineConnector(ExactOnlineConnection.load(exact_block),
                                       DossierRef(31, "Dossier 31", "31"), exact_block)
                  for _ in range(RUNS)]
    before = grants_issued(exact_sandbox)
    start = threading.Barrier(RUNS)
    failures: list[BaseException] = []

    def run(connector: ExactOnlineConnector) -> None:
        start.wait()
        try:
            connector.check_dossier()
        except BaseException as error:  # reported below, in the test thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in connectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert grants_issued(exact_sandbox) - before == 1  # one refresh: the others read it
    saved = ExactOnlineConnection.load(exact_block)
    assert all(c.client.connection.access_token == saved.access_token for c in connectors)
    for connector in connectors:
        connector.close()
