#!/usr/bin/env bash
# `manage.py check --deploy` with the production environment documented in docs/operations.md
# (the block that starts with "# /etc/kefu/kefu.env"); any warning fails. Only the secret key and
# the local directories are replaced by throwaway ones, so nothing outside a temp directory is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -n '/^# \/etc\/kefu\/kefu.env$/,/^```$/{/^```$/d;p}' docs/operations.md >"$tmp/kefu.env"
if ! grep -q '^KEFU_ENV=production$' "$tmp/kefu.env"; then
  echo "docs/operations.md has no production environment block (# /etc/kefu/kefu.env with KEFU_ENV=production)" >&2
  exit 1
fi
"$python" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$tmp/secret_key"
# A clean environment: only what the documentation says, nothing from this shell (DATABASE_URL, DEBUG…).
env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 bash -c '
  set -euo pipefail
  set -a; . "$1/kefu.env"; set +a
  export SECRET_KEY_FILE="$1/secret_key" KEFU_VAR_DIR="$1/var" MEDIA_ROOT="$1/media" STATIC_ROOT="$1/static"
  exec "$2" manage.py check --deploy --fail-level WARNING
' check-deploy "$tmp" "$python"
