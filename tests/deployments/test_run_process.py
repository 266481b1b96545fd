"""Importing ``deployments.run_process`` (what the forkserver does before it forks each run's
process) leaves nothing a run would otherwise finish on first use: the store's mappers are
configured, Prefect's deferred pydantic models built, its clients' TLS context shared.

Real parts: a fresh interpreter importing the flows as the forkserver does.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json
import flows.sync_dossier
from sqlalchemy import inspect
from pydantic import BaseModel
from doorstroom.store.models import SyncTask

def deferred_models(base=BaseModel):
    return [model for sub in base.__subclasses__()
            for model in ([sub] if not sub.__pydantic_complete__ else []) + deferred_models(sub)]

def state():
    import prefect.client.orchestration as clients
    return {"deferred": len(deferred_models()), "mapped": inspect(SyncTask).configured,
            "prefect_ssl": clients.ssl.create_default_context.__module__}

before = state()
import deployments.run_process
print(json.dumps({"before": before, "after": state()}))
"""


def test_importing_it_leaves_nothing_for_a_run_to_finish_on_first_use() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["before"]["deferred"] > 0 and not seen["before"]["mapped"]
    assert seen["before"]["prefect_ssl"] == "ssl"
    assert seen["after"] == {"deferred": 0, "mapped": True,
                             "prefect_ssl": "deployments.prefect_clients"}
