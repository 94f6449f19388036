#!/usr/bin/env bash
# Kefu's registration peer: django-helpdesk 2.6.1 behind gunicorn -w 2 on PostgreSQL, for
# bench/register_peer.py. Builds a venv (once) from bench/helpdesk_peer/requirements.txt, creates the
# database (once), migrates, makes the staff user and the queue (bench/helpdesk_peer/seed.py), starts
# gunicorn in the background and waits until it answers. A second run reuses the venv and the data.
#   bash bench/helpdesk_peer.sh          # set up and start; prints the master's pid and the queue id
#   bash bench/helpdesk_peer.sh stop     # stop the server it started
# PEER_VENV (default /tmp/kefu-helpdesk-venv), PEER_ADDR (127.0.0.1:8621), PEER_DATABASE_URL
# (postgres://postgres@127.0.0.1:5432/kefu_hd12_peer), PEER_RUN_DIR (/tmp/kefu-helpdesk-peer: pid
# file, log, media), PEER_WORKERS (2), PEER_USERNAME / PEER_PASSWORD (agent1 / kefu-demo).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PROJECT="$HERE/helpdesk_peer"
export PEER_VENV=${PEER_VENV:-/tmp/kefu-helpdesk-venv}
export PEER_ADDR=${PEER_ADDR:-127.0.0.1:8621}
export PEER_DATABASE_URL=${PEER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kefu_hd12_peer}
export PEER_RUN_DIR=${PEER_RUN_DIR:-/tmp/kefu-helpdesk-peer}
export PEER_MEDIA_ROOT="$PEER_RUN_DIR/media"
PIDFILE="$PEER_RUN_DIR/gunicorn.pid"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
  if running; then
    pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    echo "helpdesk peer stopped (pid $pid)"
  else
    echo "helpdesk peer not running"
  fi
  rm -f "$PIDFILE"
  exit 0
fi

mkdir -p "$PEER_RUN_DIR" "$PEER_MEDIA_ROOT"
# The venv is rebuilt only when the pinned list changes.
stamp="$PEER_VENV/.kefu-peer-requirements"
if [ ! -x "$PEER_VENV/bin/python" ] || ! cmp -s "$PROJECT/requirements.txt" "$stamp"; then
  python3 -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q --disable-pip-version-check -r "$PROJECT/requirements.txt"
  cp "$PROJECT/requirements.txt" "$stamp"
fi

db=${PEER_DATABASE_URL##*/}
server=${PEER_DATABASE_URL%/*}
if [ "$(psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
  psql "$server/postgres" -q -c "CREATE DATABASE $db"
fi

# From the project folder: bench/ holds a queue.py that would shadow the standard library's `queue`.
cd "$PROJECT"
export PYTHONPATH="$PROJECT" DJANGO_SETTINGS_MODULE=settings
"$PEER_VENV/bin/python" -m django migrate --noinput -v 0
"$PEER_VENV/bin/python" "$PROJECT/seed.py"

if running; then
  echo "helpdesk peer already running (pid $(cat "$PIDFILE")) on http://$PEER_ADDR"
  exit 0
fi
"$PEER_VENV/bin/gunicorn" wsgi:application --chdir "$PROJECT" -w "${PEER_WORKERS:-2}" -b "$PEER_ADDR" \
  --pid "$PIDFILE" --log-level warning --daemon --capture-output --error-logfile "$PEER_RUN_DIR/gunicorn.log"
for _ in $(seq 1 60); do
  # Any HTTP answer (401 without a token) means the workers are up.
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$PEER_ADDR/api/tickets/" || true)
  if [ "$code" != "000" ]; then
    echo "helpdesk peer on http://$PEER_ADDR (gunicorn master pid $(cat "$PIDFILE"), log $PEER_RUN_DIR/gunicorn.log)"
    exit 0
  fi
  sleep 0.5
done
echo "helpdesk peer did not answer on http://$PEER_ADDR; see $PEER_RUN_DIR/gunicorn.log" >&2
exit 1
