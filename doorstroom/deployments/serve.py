"""The embedded default worker: serves ``sync-dossier`` and a scheduled ``dispatch``.

``python -m doorstroom.deployments.serve`` — Prefect's own runner polls the server, runs each
flow run in its own process, and honours cancellation and retries from the Prefect UI.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from prefect import serve

from doorstroom.flows.dispatch import dispatch
from doorstroom.flows.sync_dossier import sync_dossier


def deployments(dispatch_every: float) -> list[Any]:
    """The deployments this worker serves."""
    return [
        sync_dossier.to_deployment(name="sync-dossier", tags=["doorstroom"]),
        dispatch.to_deployment(name="dispatch", tags=["doorstroom"],
                               interval=timedelta(seconds=dispatch_every)),
    ]


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dispatch-every", type=float, default=15.0,
                        help="seconds between dispatch runs (default 15)")
    parser.add_argument("--limit", type=int, default=4,
                        help="flow runs executed at the same time (default 4)")
    args = parser.parse_args(argv)
    serve(*deployments(args.dispatch_every), limit=args.limit)


if __name__ == "__main__":
    main()
