#!/usr/bin/env bash
# Sets up and runs every test: unit, API, concurrency, translation and browser tests.
# On SQLite by default; with DATABASE_URL=postgres://... the same suite runs on PostgreSQL,
# including the parallel-write tests that need a real server. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/_setup.sh dev
# Debian packages the tests need: chromium (browser tests) and gettext (the catalog check).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v xgettext >/dev/null || missing="$missing gettext"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian's$missing for the tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "The tests need Debian's$missing: sudo apt-get install$missing" >&2
    exit 1
  fi
fi
.venv/bin/kefu compile_catalog --verbosity 0
.venv/bin/ruff check .
.venv/bin/ruff format --check .
DATABASE_URL= DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "model changes without a migration: run manage.py makemigrations" >&2; exit 1; }
exec .venv/bin/python -m pytest -n "${KEFU_TEST_WORKERS:-auto}" "$@"
