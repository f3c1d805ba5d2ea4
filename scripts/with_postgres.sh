#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster, then removes it.
# Without PostgreSQL server binaries the run is skipped with one line,
# unless CI=true, where PostgreSQL is required.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/initdb" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL 15 server binaries not found in $PGBIN, and CI=true requires them." >&2
    exit 1
  fi
  echo "SKIPPED: PostgreSQL run (no server binaries in $PGBIN; set PGBIN to run it)."
  exit 0
fi
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); else AS=(); fi
PGTMP=$(mktemp -d /tmp/espresso-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$PGTMP"
PGPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT
"${AS[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/log" -w -t 30 start \
  -o "-k $PGTMP -h 127.0.0.1 -p $PGPORT -F -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
"${AS[@]}" "$PGBIN/createdb" -h "$PGTMP" -p "$PGPORT" -U postgres espresso
export DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/espresso"
echo "PostgreSQL run on $DATABASE_URL"
DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE_PG:-espresso.settings.test} "$@"
