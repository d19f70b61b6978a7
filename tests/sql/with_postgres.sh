#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster owned by this run: initdb in a temporary folder, the server
# on a Unix socket there (no TCP port), one database; LEADSCORE_TEST_PG holds the connection string for the command.
# The cluster is stopped and removed at the end, whatever the command's result.
#
#   with_postgres.sh COMMAND [ARGS...]
#
# When the server cannot be started, the reason is printed and the script exits 77 (ctest's "skipped") — but fails
# (exit 1) when the environment variable CI is set: CI must run the PostgreSQL tests. initdb refuses to run as root,
# so as root the server runs as the `postgres` user (runuser). LEADSCORE_PG_BIN overrides where initdb and pg_ctl
# are looked for (default: the newest /usr/lib/postgresql/*/bin, Debian's layout, else PATH).
set -u

cannot() {
  if [[ -n "${CI:-}" ]]; then
    echo "with_postgres: FAIL: $1 (CI is set: the PostgreSQL tests must run)" >&2
    exit 1
  fi
  echo "with_postgres: SKIPPED: $1" >&2
  exit 77
}

bin="${LEADSCORE_PG_BIN:-}"
if [[ -z "$bin" ]]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -n "$bin" ]] || bin="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
fi
[[ -x "$bin/initdb" && -x "$bin/pg_ctl" ]] || cannot "no initdb and pg_ctl (install Debian's postgresql)"

dir="$(mktemp -d "${TMPDIR:-/tmp}/leadscore-pg.XXXXXX")" || cannot "no temporary folder"
as=()
if [[ "$(id -u)" -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || { rm -rf "$dir"; cannot "running as root and there is no postgres user"; }
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi

stop() {
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap stop EXIT

"${as[@]}" "$bin/initdb" -D "$dir/data" -U leadscore -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; cannot "initdb failed"; }
# No TCP listener, the socket in the cluster's folder; no fsync: the data dies with the run anyway.
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start \
  >/dev/null 2>&1 || { cat "$dir/server.log" >&2; cannot "the server did not start"; }
"${as[@]}" "$bin/createdb" -h "$dir" -U leadscore leadscore_test >/dev/null 2>&1 ||
  { cat "$dir/server.log" >&2; cannot "createdb failed"; }

export LEADSCORE_TEST_PG="host=$dir user=leadscore dbname=leadscore_test"
"$@"
