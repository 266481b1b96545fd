"""The import-linter contracts cover the whole tree: no module escapes its layer."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import doorstroom

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _layers() -> list[str]:
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    names: list[str] = []
    for layer in layers:
        names += [part.strip() for part in layer.replace("|", ":").split(":")]
    return names


def test_every_module_of_the_core_package_sits_in_a_layer() -> None:
    layered = set(_layers())
    modules = {f"doorstroom.{module.name}" for module in pkgutil.iter_modules(doorstroom.__path__)}
    assert modules <= layered, f"not in any layer of pyproject.toml: {sorted(modules - layered)}"


def test_the_top_level_packages_are_layers_of_their_own() -> None:
    assert {"blocks", "connectors", "flows", "deployments"} <= set(_layers())
