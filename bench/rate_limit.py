"""Exact Online's call limit at saturation: Prefect rate limits against a strict sandbox.

    python bench/rate_limit.py [--per-minute 60] [--seconds 120] [--threads 4]

The Exact sandbox answers 429 past ``--per-minute`` calls in any sliding minute of a
division, as Exact does. ``--threads`` clients (each as a separate worker would be) call one
division as fast as they can:

1. baseline, in the same run: the connection without Prefect limits (only Exact's headers
   pace each client) — the clients overrun the limit and get 429s;
2. the connection with its limits (Prefect global concurrency limits with slot decay,
   shared by all clients): no 429, and throughput close to the limit.

Last line: one JSON object with ``http_429`` and ``limit_ratio`` (calls per minute achieved
with the limits ÷ the limit) among others.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="doorstroom-bench-rate-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.sandbox_server import free_port  # noqa: E402
from deployments.local_stack import Stack, prefect_env, start_prefect_server  # noqa: E402

PORT = free_port()
os.environ.update(prefect_env(RUN_DIR, PORT, f"sqlite:///{RUN_DIR / 'store.db'}"))
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

from pydantic import SecretStr  # noqa: E402

from blocks.exact_online import ExactOnlineConnection  # noqa: E402
from connectors.exact_online.client import ExactOnlineClient  # noqa: E402
from connectors.exact_online.sandbox import ExactSandboxState, create_app  # noqa: E402
from connectors.sandbox_server import SandboxServer  # noqa: E402
from doorstroom.failures import SyncFailure  # noqa: E402


def hammer(state: ExactSandboxState, url: str, division: int, per_minute: int, limited: bool,
           threads: int, seconds: float) -> dict[str, float]:
    """``threads`` clients calling one division for ``seconds``; what got through."""
    state.add_division(division, f"Bench {division}")
    connection = ExactOnlineConnection(
        base_url=url, client_id=state.client_id,
        client_secret=SecretStr(state.client_secret),
        refresh_token=SecretStr(state.issue_refresh_token()),
        calls_per_minute=per_minute if limited else 0, calls_per_day=5000 if limited else 0)
    client = ExactOnlineClient(connection, str(division), "Bench")
    client.access_token()  # one token for all threads, as the block shares it between workers
    rejected_before = state.http_429
    done: list[float] = []
    refused = [0]
    stop = time.monotonic() + seconds

    def work() -> None:
        own = ExactOnlineClient(connection, str(division), "Bench")
        own.tokens = client.tokens
        while time.monotonic() < stop:
            try:
                own.request("GET", "financial/FinancialPeriods")
                done.append(time.monotonic())
            except SyncFailure:
                refused[0] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Calls that waited past the end (for a slot or a minute's reset) do not count.
    counted = sum(1 for moment in done if moment <= stop)
    return {"calls": counted, "per_minute": round(counted / (stop - started) * 60, 1),
            "http_429": state.http_429 - rejected_before, "refused": refused[0],
            "seconds": round(stop - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-minute", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--baseline-seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    stack = Stack(env=dict(os.environ))
    state = ExactSandboxState(minutely_limit=args.per_minute)
    with SandboxServer(create_app(state)) as sandbox:
        try:
            start_prefect_server(stack, RUN_DIR / "prefect-server.log")
            baseline = hammer(state, sandbox.url, 1, args.per_minute, False, args.threads,
                              args.baseline_seconds)
            print(f"without Prefect limits: {baseline['calls']} calls in {baseline['seconds']} s"
                  f" ({baseline['per_minute']}/min), {baseline['http_429']} answered 429",
                  flush=True)
            limited = hammer(state, sandbox.url, 2, args.per_minute, True, args.threads,
                             args.seconds)
            print(f"with Prefect limits:    {limited['calls']} calls in {limited['seconds']} s "
                  f"({limited['per_minute']}/min of {args.per_minute}), "
                  f"{limited['http_429']} answered 429", flush=True)
        finally:
            stack.stop()
    print(json.dumps({"http_429": limited["http_429"],
                      "limit_ratio": round(limited["per_minute"] / args.per_minute, 3),
                      "calls_per_minute": limited["per_minute"], "limit": args.per_minute,
                      "threads": args.threads, "seconds": limited["seconds"],
                      "baseline_http_429": baseline["http_429"],
                      "baseline_calls_per_minute": baseline["per_minute"]}))


if __name__ == "__main__":
    main()
