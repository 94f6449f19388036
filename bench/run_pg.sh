#!/usr/bin/env bash
# Benchmarks on PostgreSQL: a fresh database with 1,000,000 demo cases, gunicorn with 4 workers,
# then bench/intake.py and bench/queue.py. Needs PostgreSQL at 127.0.0.1:5432 (user postgres,
# trust auth) and Redis at 127.0.0.1:6379. Figures go to stdout; docs/benchmarks.md records them.
#   SIZE=1000000 INTAKE_N=2000 INTAKE_C=8 bash bench/run_pg.sh
# Sites sharing a server pick their own database, port and Redis database:
#   DB=kefu_mine_bench ADDR=127.0.0.1:8166 CELERY_BROKER_URL=redis://127.0.0.1:6379/5 bash bench/run_pg.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1000000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-kefu_bench}
ADDR=${ADDR:-127.0.0.1:8111}
export DJANGO_SETTINGS_MODULE=config.settings
export DATABASE_URL="$PG/$DB"
# Notifications go to Redis as in production; no worker runs during the benchmark (the queued
# messages are purged at the end), so the two cores serve web requests only.
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}
export KEFU_VAR_DIR=${KEFU_VAR_DIR:-$(mktemp -d)}

echo "== fresh database $DB"
psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
.venv/bin/kefu setup
.venv/bin/kefu collectstatic --noinput --verbosity 0

if [ "${FIELDS:-1}" = 1 ]; then
  # Most demo cases carry form fields (format v2): the service-complaint preset with fields added.
  .venv/bin/python bench/fields_rulebook.py > "$KEFU_VAR_DIR/service-complaint-fields.yaml"
  .venv/bin/kefu rulebook load "$KEFU_VAR_DIR/service-complaint-fields.yaml"
fi

echo "== kefu demo --size $SIZE"
/usr/bin/time -f "demo: %e s wall, %U s user, %S s sys, %M KiB max RSS" .venv/bin/kefu demo --size "$SIZE" --seed 1
psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"

echo "== gunicorn -w 4 on $ADDR"
.venv/bin/gunicorn config.wsgi:application -w 4 -b "$ADDR" --log-level warning &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "http://$ADDR/login/"; then break; fi
  sleep 1
done
api=$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/api/v1/cases/")
if [ "$api" != "401" ] && [ "$api" != "403" ] && [ "$api" != "200" ]; then
  echo "the case API does not answer (HTTP $api): only the web queue is measured" >&2
  .venv/bin/python bench/queue.py --url "http://$ADDR" --no-api
  exit 0
fi

echo "== queue at $SIZE cases"
.venv/bin/python bench/queue.py --url "http://$ADDR" --repeat "${QUEUE_REPEAT:-50}" \
  --field "${QUEUE_FIELD:-complaint:product_line:water_heater}"

echo "== monthly report at $SIZE cases (last two months)"
.venv/bin/python bench/report.py --url "http://$ADDR" --repeat "${REPORT_REPEAT:-10}" \
  --months "$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)" "$(date -d "$(date +%Y-%m-01) -2 month" +%Y-%m)"

echo "== intake"
for c in ${INTAKE_C:-1 8}; do
  .venv/bin/python bench/intake.py --url "http://$ADDR" -n "${INTAKE_N:-2000}" -c "$c" || true
done

.venv/bin/celery -A config purge -f >/dev/null 2>&1 || true
