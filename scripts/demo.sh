#!/usr/bin/env bash
# First README command: set up a virtualenv, install Doorstroom, run the embedded demo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
pip_install -e .
exec .venv/bin/doorstroom demo "$@"
