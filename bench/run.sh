#!/usr/bin/env bash
# Every benchmark in one go; writes bench/RESULTS.md. Usage: bash bench/run.sh [--sizes 1000,5000] [--quick] [--out FILE]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
exec "$repo/.venv/bin/python" -m bench "$@"
