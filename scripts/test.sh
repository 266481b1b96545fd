#!/usr/bin/env bash
# Second README command: install Doorstroom with its test tools, lint, type-check, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
source scripts/_system.sh
ensure_debian_packages
ensure_postgresql
pip_install -e ".[test]"
.venv/bin/ruff check doorstroom blocks connectors flows deployments tests bench
.venv/bin/mypy doorstroom blocks connectors flows deployments
.venv/bin/lint-imports
set +e
# Two test processes: one for the tests with a stack of their own, one for the rest (see
# tests/conftest.py, _group). DOORSTROOM_TEST_PROCESSES=0 runs everything in this one.
.venv/bin/python -m pytest -n "${DOORSTROOM_TEST_PROCESSES:-2}" --dist loadgroup "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$status"
