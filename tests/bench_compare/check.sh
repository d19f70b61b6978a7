#!/usr/bin/env bash
# Tests of bench/compare.py on prepared runs (expected outcomes follow from how each file was made; see the
# comments). Usage: check.sh PYTHON COMPARE_PY DATA_DIR
set -uo pipefail
py="$1" compare="$2" d="$3"
failures=0
expect() { # exit status, pattern the output must match, arguments...
  local want="$1" pattern="$2"; shift 2
  local out rc
  out="$("$py" "$compare" "$@" 2>&1)"; rc=$?
  if [[ $rc -ne $want ]]; then echo "FAIL: compare $* exited $rc, expected $want"; echo "$out"; failures=$((failures + 1)); fi
  if ! grep -Eq -- "$pattern" <<<"$out"; then echo "FAIL: compare $*: no line matches /$pattern/"; echo "$out"; failures=$((failures + 1)); fi
}
# Within 10 %: a 0.95, b 1.03, time-only 400/432 = 0.926.
expect 0 '^BM_time_only .* 0\.926 +ok$' "$d/baseline.json" "$d/same.json"
expect 0 '0 regressed past 10%' "$d/baseline.json" "$d/same.json"
# b fell from 100 M to 80 M items/s: ratio 0.800, a regression; a rose to 1.300.
expect 1 '^BM_b .* 0\.800 +REGRESSED$' "$d/baseline.json" "$d/slower.json"
expect 1 '^BM_a .* 1\.300 +faster$' "$d/baseline.json" "$d/slower.json"
# A tolerance of 25 % lets 0.800 pass.
expect 0 '^BM_b .* 0\.800 +ok$' --threshold 0.25 "$d/baseline.json" "$d/slower.json"
# Only what the filter names is compared.
expect 0 '1 benchmarks, 0 regressed' --filter '^BM_a$' "$d/baseline.json" "$d/slower.json"
# A machine half as fast: every ratio is 0.5 raw, 1.0 once divided by the in-binary baseline.
expect 1 '^BM_a .* 0\.500 +REGRESSED$' "$d/baseline.json" "$d/half_speed.json"
expect 0 '^BM_a .* 1\.000 +ok$' --normalize BM_baseline_stream "$d/baseline.json" "$d/half_speed.json"
expect 2 "no benchmark 'BM_nothing' to normalize by" --normalize BM_nothing "$d/baseline.json" "$d/same.json"
# A benchmark gone from the current run fails unless allowed; a new one is listed.
expect 1 '^BM_b .* missing$' "$d/baseline.json" "$d/missing.json"
expect 0 '^BM_c .* new$' --allow-missing "$d/baseline.json" "$d/missing.json"
# With repetitions the median aggregate counts (the runs are 0.9, 1.1, 1.3 × and the mean 1.0667 ×; the median
# aggregate 1.0 ×); without aggregates, the median of the runs (0.7, 1.0, 1.2 ×: 1.0 ×).
expect 0 '^BM_a .* 1\.000 +ok$' "$d/baseline.json" "$d/repeated.json"
expect 0 '^BM_time_only .* 1\.000 +ok$' "$d/baseline.json" "$d/repeated.json"
expect 0 '^BM_b .* 1\.000 +ok$' "$d/baseline.json" "$d/repeated_runs.json"
# A benchmark that reports items/s in one run and only a time in the other is not compared: it fails.
expect 1 '^BM_a .* UNITS DIFFER$' "$d/baseline.json" "$d/units.json"
# Bad input names the file and the place.
expect 2 'broken\.json:[0-9]+:[0-9]+: not JSON' "$d/baseline.json" "$d/broken.json"
expect 2 'nothing\.json: cannot read' "$d/baseline.json" "$d/nothing.json"
expect 2 'threshold must be in' --threshold 1.5 "$d/baseline.json" "$d/same.json"
[[ $failures -eq 0 ]] && echo "bench compare: all checks passed"
exit $((failures > 0))
