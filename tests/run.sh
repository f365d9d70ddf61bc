#!/usr/bin/env bash
# The test command: set up .venv with the test tools, the Debian packages the browser
# tests need (chromium, a CJK font), then the quality gates and the test suite.
# Usage: bash tests/run.sh [pytest arguments]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash deploy/bootstrap.sh test

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi 'wqy\|noto sans cjk' || need+=(fonts-wqy-microhei)
command -v antiword >/dev/null || need+=(antiword)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2 \
    || { as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2; } \
    || echo "warning: could not install ${need[*]}; browser tests will be skipped" >&2
fi

bin="$repo/.venv/bin"
echo "== ruff" >&2
"$bin/ruff" check .
echo "== mypy" >&2
"$bin/mypy"
echo "== import-linter" >&2
"$bin/lint-imports"
echo "== pytest" >&2
exec "$bin/pytest" "$@"
