#!/usr/bin/env bash
# The short registration bench for CI (under a minute): a fresh PostgreSQL database, `kefu setup`,
# a 10-case demo (agent1 and customers), gunicorn with 2 workers, then bench/register_limit.py for one
# pair of 5-second runs at 1 and 8 clients: Kefu's POST /api/v1/cases/ next to raw psycopg INSERTs
# of the same rows. It prints the ratio ("Kefu at 1/N of the limit") and the load average, and never
# fails the build: the figure is for reading (docs/benchmarks.md), a shared machine makes it noisy.
#   bash bench/ci_register.sh
#   CI_REGISTER_DB=kefu_ci_register CI_REGISTER_ADDR=127.0.0.1:8614 CI_REGISTER_SECONDS=5 bash bench/ci_register.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${CI_REGISTER_DB:-kefu_ci_register}
ADDR=${CI_REGISTER_ADDR:-127.0.0.1:8614}
SECONDS_EACH=${CI_REGISTER_SECONDS:-5}
export DJANGO_SETTINGS_MODULE=config.settings
export DATABASE_URL="$PG/$DB"
export KEFU_VAR_DIR=$(mktemp -d)
# Notifications go to Redis as in production when it answers; otherwise to the embedded broker.
if [ -z "${CELERY_BROKER_URL:-}" ] && command -v redis-cli >/dev/null && redis-cli -n 14 ping >/dev/null 2>&1; then
  export CELERY_BROKER_URL=redis://127.0.0.1:6379/14
fi
started=$(date +%s)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
  psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
  rm -rf "$KEFU_VAR_DIR"
}
trap cleanup EXIT

run() {
  if ! psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"; then
    echo "registration bench skipped: no PostgreSQL at $PG"
    return 0
  fi
  .venv/bin/kefu setup >"$KEFU_VAR_DIR/setup.log" 2>&1 || { tail -20 "$KEFU_VAR_DIR/setup.log"; return 1; }
  .venv/bin/kefu demo --size 10 --seed 1 >"$KEFU_VAR_DIR/demo.log" 2>&1 || { tail -20 "$KEFU_VAR_DIR/demo.log"; return 1; }
  .venv/bin/gunicorn config.wsgi:application -w 2 -b "$ADDR" --log-level warning >"$KEFU_VAR_DIR/gunicorn.log" 2>&1 &
  server=$!
  # Ready when the API answers at all (401 without a token): the web pages need collected static
  # files, which this bench does not build.
  for _ in $(seq 1 30); do
    if curl -sS -o /dev/null "http://$ADDR/api/v1/cases/" 2>/dev/null; then break; fi
    sleep 1
  done
  .venv/bin/python bench/register_limit.py --url "http://$ADDR" --dsn "$DATABASE_URL" \
    --clients 1 8 --pairs 1 --seconds "$SECONDS_EACH" --server-pid "$server"
}

echo "== registration against the raw-INSERT limit (PostgreSQL, gunicorn -w 2; informative, never fails)"
if ! run; then
  echo "registration bench did not complete (see above); not a test failure"
fi
echo "registration bench: $(( $(date +%s) - started )) s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
