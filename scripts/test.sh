#!/usr/bin/env bash
# Second README command: install Doorstroom with its test tools, lint, type-check, run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# pip's quiet mode still warns about index locations this machine does not have; keep the rest.
pip_install() { .venv/bin/python -m pip install --quiet "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
pip_install --upgrade pip
pip_install -e ".[test]"
.venv/bin/ruff check doorstroom tests bench
.venv/bin/mypy doorstroom
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$status"
