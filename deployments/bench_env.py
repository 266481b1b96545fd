"""The environment of a benchmark's own embedded stack, set before Prefect is imported.

Kept free of Prefect imports: Prefect reads some settings once, at import.
"""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

from deployments.prefect_auth import auth_string


def embedded_env(run_dir: Path, port: int) -> dict[str, str]:
    """Prefect home, API and auth string, and the store, all under ``run_dir``; quiet logs."""
    return {
        "PREFECT_HOME": str(run_dir / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        # the server the bench starts asks for the auth string prefect_env keeps in run_dir
        "PREFECT_API_AUTH_STRING": auth_string(run_dir),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLIENT_CSRF_SUPPORT_ENABLED": "false",  # as the stack (prefect_env)
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "DOORSTROOM_DATABASE_URL": f"sqlite:///{run_dir / 'store.db'}",
    }


def fresh_run(prefix: str) -> tuple[Path, int]:
    """A new folder for a benchmark's stack and a free port of 127.0.0.1 for its server."""
    run_dir = Path(tempfile.mkdtemp(prefix=prefix))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return run_dir, int(sock.getsockname()[1])
