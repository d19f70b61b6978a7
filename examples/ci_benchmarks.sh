#!/usr/bin/env bash
# Running the benchmark suite in a CI job and comparing it with a baseline run.
#
#   examples/ci_benchmarks.sh BENCH_PROGRAM BASELINE.json [THRESHOLD]
#
# Runs the scoring-engine, points and temperature cases at 16 Ki leads, one thread (a quick subset: a real pipeline
# drops --benchmark_filter and keeps the default minimum time), 3 repetitions, into current.json next to the
# baseline. Without a baseline file, the run becomes the baseline (the first CI run on main keeps it as an
# artifact); with one, bench/compare.py compares the two, every figure divided by the same run's plain streaming
# loop over the same bytes, so a slower or busier machine does not count as a regression. Exit status: that of
# compare.py — 0 no regression, 1 a case slower than (1 - THRESHOLD) of the baseline, 2 unreadable input.
set -euo pipefail

bench="$1"
baseline="$2"
threshold="${3:-0.15}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
current="$(dirname "$baseline")/current.json"

"$bench" --benchmark_filter='^BM_(engine_baseline_stream|engine_direct|engine_type_erased|points_batch|temperature_bands)/leads:16384/threads:1/' \
  --benchmark_min_time=0.05 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$current" --benchmark_out_format=json >/dev/null

if [[ ! -f "$baseline" ]]; then
  mv "$current" "$baseline"
  echo "ci_benchmarks: no baseline yet; this run is now $baseline"
  exit 0
fi
python3 "$here/../bench/compare.py" "$baseline" "$current" --threshold "$threshold" \
  --normalize 'BM_engine_baseline_stream/leads:16384/threads:1/real_time'
