# Shared by scripts/start.sh and scripts/test.sh: a virtualenv with Kefu installed, front-end
# libraries from the npm registry copied into kefu/static/vendor. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
extras=${1:-}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.kefu-installed${extras:+-$extras}
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  touch "$stamp"
fi
if [ ! -d node_modules/htmx.org ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p kefu/static/vendor
cp node_modules/htmx.org/dist/htmx.min.js kefu/static/vendor/htmx.min.js
# Charts (reports, dashboards): Apache ECharts, served from Kefu's own static files.
cp node_modules/echarts/dist/echarts.min.js kefu/static/vendor/echarts.min.js
