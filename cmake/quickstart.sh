#!/usr/bin/env bash
# Quick start for leadscore on Debian 12 (or any system with the same packages).
#
#   bash cmake/quickstart.sh demo       build, then run `leadscore demo`
#   bash cmake/quickstart.sh test       build, then run every test with ctest and build the API reference
#   bash cmake/quickstart.sh sanitize   build with clang, AddressSanitizer + UBSan (build-sanitize/): the unit tests,
#                                       the program and the libFuzzer targets; run the tests and the command-line tests
#   bash cmake/quickstart.sh tsan       build the tests with clang and ThreadSanitizer (build-tsan/), run the
#                                       cases of everything that runs on several threads
#   bash cmake/quickstart.sh fuzz       build the libFuzzer targets (in build-sanitize/, shared with `sanitize`), run
#                                       each one for LEADSCORE_FUZZ_SECONDS seconds (default 30) on its seed corpus
#                                       tests/fuzz/corpus/<name>/ (target fuzz_<name>)
#
# Missing Debian packages are installed when running as root; otherwise the apt-get line is printed.
set -euo pipefail

usage() {
  sed -n '4,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

mode="${1:-}"
case "$mode" in
  demo | test | sanitize | tsan | fuzz) ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

# Work from the repository root whatever the caller's directory.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs="$(nproc 2>/dev/null || echo 2)"

# ---- packages ---------------------------------------------------------------------------------
packages=(build-essential cmake ninja-build libeigen3-dev libboost-serialization-dev doctest-dev libcli11-dev libbenchmark-dev libtomlplusplus-dev nlohmann-json3-dev python3 libsqlite3-dev libpq-dev tzdata)
if [[ "$mode" == test ]]; then
  packages+=(doxygen) # the API reference, built and checked with the tests
  # the Python package and its tests (docs/python.md)
  packages+=(pybind11-dev python3-dev python3-numpy python3-pandas python3-pytest python3-sklearn python3-dask python3-distributed)
  packages+=(chromium chromium-driver python3-selenium) # the report as a browser renders it (cli.report.browser)
  packages+=(postgresql) # a throwaway server for the database tests (tests/sql/with_postgres.sh)
fi
if [[ "$mode" == sanitize || "$mode" == fuzz || "$mode" == tsan ]]; then
  packages+=(clang lld libclang-rt-14-dev libomp-14-dev) # libomp: OpenMP for clang (GCC brings libgomp)
fi

ensure_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "quickstart: no dpkg-query (not Debian?); assuming these are installed: ${packages[*]}" >&2
    return 0
  fi
  local missing=() p
  for p in "${packages[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  local line="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "quickstart: missing packages: ${missing[*]}" >&2
    echo "quickstart: install them as root, then run this script again:" >&2
    echo "  $line" >&2
    exit 1
  fi
  echo "quickstart: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
}

# Ninja: it schedules the compiles of all the targets asked for together, where make builds one target after another.
configure() { # build dir, extra arguments...
  local dir="$1" fresh=(); shift
  # A build directory configured with another generator is configured afresh.
  if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    fresh=(--fresh)
  fi
  cmake -S . -B "$dir" -G Ninja "${fresh[@]}" "$@"
}
# The clang builds link with LLVM's linker: a sanitized program links in a fifth of the time it takes GNU ld.
clang_build=(-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld)
# Every build compiles the library and the test programs as unity batches: each heavy header (Boost, Eigen, doctest)
# is parsed once a batch instead of once a file, which keeps CI within its time on 2 cores.
unity=(-DCMAKE_UNITY_BUILD=ON)

# Every doctest case of a sanitized test program, in two processes side by side that each run half of the cases (a
# fixed shuffle, so the halves are disjoint, complete and of similar weight): a sanitized process takes a second or
# two to start, which one ctest process per case would pay hundreds of times, and one process would leave a core idle.
run_in_halves() { # test program, log file prefix
  local tests="$1" log="$2" count half first second status=0
  count="$("$tests" --count | sed -n 's/.*filters: \([0-9]*\).*/\1/p')"
  [[ -n "$count" ]] || { echo "quickstart: $tests --count failed" >&2; return 1; }
  half=$(( (count + 1) / 2 ))
  local shard=(--order-by=rand --rand-seed=17 --no-version)
  "$tests" "${shard[@]}" --first=1 --last="$half" > "$log-1.log" 2>&1 & first=$!
  "$tests" "${shard[@]}" --first=$(( half + 1 )) > "$log-2.log" 2>&1 & second=$!
  wait "$first" || status=1
  wait "$second" || status=1
  # (doctest's summary counts every case passing the filters; each half ran only its own range of them)
  echo "quickstart: cases 1-$half of $count (shuffled with seed 17):"; cat "$log-1.log"
  echo "quickstart: cases $(( half + 1 ))-$count:"; cat "$log-2.log"
  return "$status"
}

# Test processes run side by side on every core. OpenMP threads that wait for work spin for a while by default, taking
# the cores from the other processes; passive waiting leaves them to the tests.
if [[ "$mode" != demo ]]; then
  export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
fi

# ---- modes ------------------------------------------------------------------------------------
ensure_packages

case "$mode" in
  demo)
    configure build -DCMAKE_BUILD_TYPE=Release "${unity[@]}"
    cmake --build build -j"$jobs" --target leadscore_cli
    ./build/leadscore demo
    ;;

  test)
    # The Python package is built for Debian's interpreter, not whichever python3 comes first on the PATH.
    python=(-DLEADSCORE_BUILD_PYTHON=ON)
    [[ -x /usr/bin/python3 ]] && python+=(-DPython3_EXECUTABLE=/usr/bin/python3)
    configure build -DCMAKE_BUILD_TYPE=Release "${unity[@]}" "${python[@]}"
    cmake --build build -j"$jobs"
    # The API reference: every public declaration documented, or the build of the target fails (CMakeLists.txt).
    # Doxygen uses one core: it runs alongside the tests, its output shown after theirs.
    cmake --build build --target docs > build/docs.log 2>&1 & docs=$!
    status=0
    ctest --test-dir build --output-on-failure -j"$jobs" || status=1
    wait "$docs" || { status=1; echo "quickstart: the API reference failed to build:" >&2; }
    cat build/docs.log
    exit "$status"
    ;;

  sanitize | fuzz)
    # One clang build serves the sanitized tests and the fuzzers: the library is compiled once with AddressSanitizer,
    # UBSan and the fuzzer's coverage hooks (which the sanitizer runtime answers with no-ops in ordinary programs).
    # -O0: it compiles in about half the time of -O1, which more than pays for the slower test run (that runs in two
    # halves side by side). -gline-tables-only: file and line in the reports' stack traces, without full debug
    # information. Assertions stay on (Debug): a fuzzer should trip them. Only what the sanitized steps run is built:
    # the unit tests, the command-line program and the fuzzers (the documentation's programs and the examples run in
    # the Release build).
    configure build-sanitize -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="${LEADSCORE_SANITIZE_FLAGS:--O0 -gline-tables-only}" "${unity[@]}" \
      "${clang_build[@]}" -DLEADSCORE_SANITIZE=ON -DLEADSCORE_FUZZ=ON \
      -DLEADSCORE_BUILD_TESTS=ON -DLEADSCORE_BUILD_BENCHMARKS=OFF -DLEADSCORE_BUILD_EXAMPLES=OFF \
      -DLEADSCORE_INSTALL=OFF
    mapfile -t fuzzers < <(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')
    cmake --build build-sanitize -j"$jobs" --target leadscore_tests leadscore_cli "${fuzzers[@]}"
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    if [[ "$mode" == sanitize ]]; then
      # Every doctest case, in two halves side by side (some 350 cases); then the command-line tests through ctest.
      run_in_halves build-sanitize/tests/leadscore_tests build-sanitize/unit \
        || { echo "quickstart: sanitized unit tests failed" >&2; exit 1; }
      # (not the browser check: it tests the page in chromium, and the Release step runs it on the same page)
      ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -L cli -LE browser
      exit 0
    fi
    seconds="${LEADSCORE_FUZZ_SECONDS:-30}"
    mkdir -p build-sanitize/fuzz/artifacts
    # Each fuzz_<name> program runs for $seconds on its seeds, tests/fuzz/corpus/<name>/ (or .../fuzz_<name>/), as
    # many at once as there are cores; each one's output is shown when it ends.
    fuzz_one() { # target
      local target="$1" corpora=() seeds dict
      for seeds in "tests/fuzz/corpus/${target#fuzz_}" "tests/fuzz/corpus/$target"; do
        [[ -d "$seeds" ]] && corpora+=("$seeds")
      done
      [[ ${#corpora[@]} -gt 0 ]] || echo "quickstart: warning: no seed corpus for $target" >&2
      # New inputs go to a scratch corpus (listed first); the committed seeds are only read.
      local scratch="build-sanitize/fuzz/corpus/$target"
      mkdir -p "$scratch"
      local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                  -artifact_prefix="build-sanitize/fuzz/artifacts/$target-")
      for dict in "tests/fuzz/${target#fuzz_}.dict" "tests/fuzz/$target.dict"; do
        [[ -f "$dict" ]] && args+=(-dict="$dict")
      done
      echo "quickstart: fuzzing $target for ${seconds}s (seeds: ${corpora[*]:-none})"
      "build-sanitize/tests/fuzz/$target" "${args[@]}" "$scratch" "${corpora[@]}"
    }
    pids=() names=() failed=()
    for target in "${fuzzers[@]}"; do
      while [[ ${#pids[@]} -ge $jobs ]]; do
        wait "${pids[0]}" || failed+=("${names[0]}")
        cat "build-sanitize/fuzz/${names[0]}.log"
        pids=("${pids[@]:1}") names=("${names[@]:1}")
      done
      fuzz_one "$target" > "build-sanitize/fuzz/$target.log" 2>&1 &
      pids+=($!) names+=("$target")
    done
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || failed+=("${names[$i]}")
      cat "build-sanitize/fuzz/${names[$i]}.log"
    done
    if [[ ${#failed[@]} -gt 0 ]]; then
      echo "quickstart: fuzzing found a failure in: ${failed[*]} (inputs in build-sanitize/fuzz/artifacts/)" >&2
      exit 1
    fi
    ;;

  tsan)
    # ThreadSanitizer does not see the synchronization inside an OpenMP runtime by itself: LLVM's runtime (libomp)
    # reports it to TSan through its Archer tool. So: clang, libomp, OMP_TOOL_LIBRARIES=libarcher.so.
    # -O0: the library and the thread tests compile in about half the time of -O1, which pays for the slower run (in
    # two halves side by side); TSan sees every memory access at any optimization level (at -O0 none is optimized away).
    configure build-tsan -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="${LEADSCORE_TSAN_FLAGS:--O0 -gline-tables-only}" "${unity[@]}" \
      "${clang_build[@]}" -DLEADSCORE_TSAN=ON \
      -DLEADSCORE_BUILD_TESTS=ON -DLEADSCORE_BUILD_BENCHMARKS=OFF -DLEADSCORE_BUILD_EXAMPLES=OFF \
      -DLEADSCORE_BUILD_CLI=OFF -DLEADSCORE_INSTALL=OFF
    cmake --build build-tsan -j"$jobs" --target leadscore_thread_tests
    archer="$(clang++ -print-resource-dir)/../../libarcher.so"
    [[ -f "$archer" ]] || archer=/usr/lib/llvm-14/lib/libarcher.so
    export OMP_TOOL_LIBRARIES="$archer" OMP_NUM_THREADS=4
    export TSAN_OPTIONS="${TSAN_OPTIONS:-ignore_noninstrumented_modules=1:halt_on_error=1}"
    run_in_halves build-tsan/tests/leadscore_thread_tests build-tsan/thread \
      || { echo "quickstart: thread tests failed under ThreadSanitizer" >&2; exit 1; }
    ;;
esac
