#!/usr/bin/env bash
# Create (or reuse) the virtualenv .venv at the repository root and install planwatch
# into it with the versions CI tested (deploy/constraints.txt).
# Usage: bash deploy/bootstrap.sh [test]     ("test" adds the test tools)
# Re-installs only when pyproject.toml or the constraints changed.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
extras=${1:-}
venv="$repo/.venv"
python=${PYTHON:-python3}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "planwatch needs Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv" >&2
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    echo "python3 -m venv failed; installing Debian's python3-venv" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 \
      || { echo "cannot install python3-venv: run 'apt-get install python3-venv' as root" >&2; exit 1; }
    "$python" -m venv "$venv"
  fi
fi
stamp="$venv/.planwatch-installed${extras:+-$extras}"
want=$(cat "$repo/pyproject.toml" "$repo/deploy/constraints.txt" | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing planwatch${extras:+ with [$extras]} into $venv (first time takes a minute or two)" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -c "$repo/deploy/constraints.txt" -e "$repo${extras:+[$extras]}" >&2
  echo "$want" > "$stamp"
fi
