#!/usr/bin/env bash
# Sets everything up and starts Kefu at http://127.0.0.1:8000 (SQLite, embedded worker, demo data).
# Log in as `admin` / `kefu-admin` (or any demo user, same password). KEFU_DEMO_SIZE sets the demo size.
# KEFU_DEMO_LOGINS=1 (set here, and only here) lists the demo accounts on the login page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/_setup.sh
export DJANGO_SETTINGS_MODULE=config.settings
.venv/bin/kefu setup
.venv/bin/kefu collectstatic --noinput --verbosity 0
.venv/bin/kefu demo --size "${KEFU_DEMO_SIZE:-300}" --if-empty
export KEFU_DEMO_LOGINS=1
exec .venv/bin/kefu run --addr "${KEFU_ADDR:-127.0.0.1:8000}"
