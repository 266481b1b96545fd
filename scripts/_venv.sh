# Sourced by demo.sh and test.sh: make .venv and define pip_install.
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# pip's quiet mode still warns about index locations this machine does not have; keep the rest.
pip_install() { .venv/bin/python -m pip install --quiet "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
pip_install --upgrade pip
