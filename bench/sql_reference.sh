#!/usr/bin/env bash
# The database speed targets in one run: starts a throwaway PostgreSQL cluster (tests/sql/with_postgres.sh), runs
# every case of leadscore_sql_bench once (psql timed by the binary itself, see bench/bench_sql.cpp) and prints
# each target's ratio from that run.
#
#   bench/sql_reference.sh [BUILD_DIR] [BENCHMARK_ARGS...]      (BUILD_DIR: default build-rel)
#
# For quiet timings on a busy machine run it under a real-time priority: `chrt -f 50 bench/sql_reference.sh`.
# The whole run takes some minutes: each write-back iteration first rebuilds the 2 M-row scores table.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build-rel}"
[[ $# -gt 0 ]] && shift
bench="$(cd "$build" && pwd)/bench/leadscore_sql_bench"
[[ -x "$bench" ]] || { echo "sql_reference: no $bench (build leadscore_sql_bench)" >&2; exit 1; }

out="$(mktemp "${TMPDIR:-/tmp}/leadscore-sql-bench.XXXXXX.json")"
trap 'rm -f "$out"' EXIT
"$here/../tests/sql/with_postgres.sh" bash -c \
  'LEADSCORE_BENCH_PG="$LEADSCORE_TEST_PG" "$0" --benchmark_out="$1" --benchmark_out_format=json "${@:2}"' \
  "$bench" "$out" "$@"

/usr/bin/env python3 - "$out" <<'EOF'
import json, sys

runs = {b["name"].split("/")[0]: b for b in json.load(open(sys.argv[1]))["benchmarks"]
        if b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred")}

def seconds(name):
    b = runs.get(name)
    return b["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[b["time_unit"]] if b else None

def line(what, value, target=None):
    print(f"{what:<72} {value:>8}" + (f"   target {target}" if target else ""))

print()
if "BM_sqlite_read" in runs:
    rate = runs["BM_sqlite_read"]["items_per_second"] / 1e6
    bare = runs.get("BM_sqlite_bare_read", {}).get("items_per_second", 0) / 1e6
    line(f"SQLite read, M rows/s (bare sqlite3_step loop: {bare:.2f})", f"{rate:.2f}", ">= 1")
ours, psql, csv = seconds("BM_pg_read_score"), seconds("BM_psql_copy_csv"), seconds("BM_csv_read_score")
if ours and psql:
    line(f"PostgreSQL read + score {ours:.2f} s / psql \\copy to CSV {psql:.2f} s", f"{ours / psql:.2f}", "<= 2")
if ours and psql and csv:
    line(f"... / (psql \\copy + CSV read + score {csv:.2f} s = {psql + csv:.2f} s)", f"{ours / (psql + csv):.2f}",
         "< 1")
write, by_hand, bare = seconds("BM_pg_write_scores"), seconds("BM_psql_upsert"), seconds("BM_pg_bare_upsert")
if write and by_hand:
    line(f"write-back 1 M into 2 M {write:.2f} s / psql COPY + upsert {by_hand:.2f} s", f"{write / by_hand:.2f}",
         "<= 1.5")
if write and bare:
    line(f"write-back / the same statements through libpq {bare:.2f} s", f"{write / bare:.2f}")
EOF
