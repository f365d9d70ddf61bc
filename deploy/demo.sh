#!/usr/bin/env bash
# The main job, offline: set up .venv if needed, then run the bundled demo.
# Usage: bash deploy/demo.sh [planwatch demo options: --no-serve, --port N, --data-dir DIR]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo/deploy/bootstrap.sh"
cd "$repo"
exec "$repo/.venv/bin/planwatch" demo "$@"
