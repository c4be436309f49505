#!/usr/bin/env bash
# Installs the binding into a private virtual environment and runs its tests
# against the library built in BUILD_DIR (default: ../../build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
venv="$build/python-venv"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
# The library under test is the host build: no bundled copy (packaging stage tests that).
WSANDBOX_BUNDLE=0 "$venv/bin/python" -m pip install -q --no-deps --no-index "$here"
# The README promises this works from a fresh clone once the library is built.
WSANDBOX_LIBRARY="$build/libwsandbox.so" "$venv/bin/python" -c "import wsandbox; print(\"wsandbox\", wsandbox.version())"
export WSANDBOX_LIBRARY="$build/libwsandbox.so"
cd "$build"
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/tests"
