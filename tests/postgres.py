"""A throw-away PostgreSQL cluster on a free port of 127.0.0.1 (Debian's server binaries)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from connectors.sandbox_server import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, "PostgreSQL is missing: scripts/test.sh installs it with apt"
    return found[-1]


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class Postgres:
    """A running cluster; ``url(db, driver)`` gives SQLAlchemy URLs of its databases."""

    data: Path
    port: int

    @classmethod
    def start(cls, root: Path) -> Postgres:
        """initdb + pg_ctl start in ``root``, trust authentication on 127.0.0.1 only."""
        data = root / "pgdata"
        data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(data, "postgres")
        port = free_port()
        subprocess.run(_as_owner([_bin("initdb"), "-D", str(data), "-U", "postgres",
                                  "--auth=trust", "-E", "UTF8"]),
                       check=True, capture_output=True)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c max_connections=300"
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(data), "-o", options, "-w",
                                  "-l", str(data / "server.log"), "start"]),
                       check=True, capture_output=True)
        return cls(data, port)

    def create_database(self, name: str) -> None:
        """A new, empty database."""
        subprocess.run(_as_owner([_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                                  "-U", "postgres", name]), check=True, capture_output=True)

    def url(self, database: str, driver: str = "psycopg") -> str:
        """The SQLAlchemy URL of ``database`` with ``driver`` (psycopg or asyncpg)."""
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the cluster immediately."""
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                  "stop"]), check=False, capture_output=True)
