#!/usr/bin/env bash
# Quick start for leadscore on Debian 12 (or any system with the same packages).
#
#   bash cmake/quickstart.sh demo       build, then run `leadscore demo`
#   bash cmake/quickstart.sh test       build, then run every test with ctest and build the API reference
#   bash cmake/quickstart.sh sanitize   build with clang, AddressSanitizer + UBSan (build-sanitize/): the tests, the
#                                       program and the libFuzzer targets; run the tests and the command-line tests
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
packages=(build-essential cmake libeigen3-dev libboost-serialization-dev doctest-dev libcli11-dev libbenchmark-dev libtomlplusplus-dev python3)
if [[ "$mode" == test ]]; then
  packages+=(doxygen) # the API reference, built and checked with the tests
fi
if [[ "$mode" == sanitize || "$mode" == fuzz || "$mode" == tsan ]]; then
  packages+=(clang libclang-rt-14-dev libomp-14-dev) # libomp: OpenMP for clang (GCC brings libgomp)
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

configure() { # build dir, extra arguments...
  local dir="$1"; shift
  cmake -S . -B "$dir" "$@"
}
# Every build compiles the library and the test programs as unity batches: each heavy header (Boost, Eigen, doctest)
# is parsed once a batch instead of once a file, which keeps CI within its time on 2 cores.
unity=(-DCMAKE_UNITY_BUILD=ON)

# ---- modes ------------------------------------------------------------------------------------
ensure_packages

case "$mode" in
  demo)
    configure build -DCMAKE_BUILD_TYPE=Release "${unity[@]}"
    cmake --build build -j"$jobs" --target leadscore_cli
    ./build/leadscore demo
    ;;

  test)
    configure build -DCMAKE_BUILD_TYPE=Release "${unity[@]}"
    cmake --build build -j"$jobs"
    ctest --test-dir build --output-on-failure -j"$jobs"
    # The API reference: every public declaration documented, or the build of the target fails (CMakeLists.txt).
    cmake --build build --target docs
    ;;

  sanitize | fuzz)
    # One clang build serves the sanitized tests and the fuzzers: the library is compiled once with AddressSanitizer,
    # UBSan and the fuzzer's coverage hooks (which the sanitizer runtime answers with no-ops in ordinary programs).
    # -O1: a sanitized test run at -O0 takes about twice as long, and clang compiles -O1 nearly as fast.
    # -gline-tables-only: file and line in the reports' stack traces, without full debug information.
    # Assertions stay on (Debug): a fuzzer should trip them.
    configure build-sanitize -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG="${LEADSCORE_SANITIZE_FLAGS:--O1 -gline-tables-only}" "${unity[@]}" \
      -DCMAKE_CXX_COMPILER=clang++ -DLEADSCORE_SANITIZE=ON -DLEADSCORE_FUZZ=ON \
      -DLEADSCORE_BUILD_TESTS=ON -DLEADSCORE_BUILD_BENCHMARKS=OFF -DLEADSCORE_BUILD_EXAMPLES=OFF \
      -DLEADSCORE_INSTALL=OFF
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    if [[ "$mode" == sanitize ]]; then
      cmake --build build-sanitize -j"$jobs"
      # Every doctest case in one run of the test program (a sanitized process takes a second or two to start, which
      # one ctest process per case would pay some 300 times), then the other ctest cases (command line, layers).
      build-sanitize/tests/leadscore_tests
      ctest --test-dir build-sanitize --output-on-failure -j"$jobs" -L 'cli|docs'
      exit 0
    fi
    cmake --build build-sanitize -j"$jobs"
    seconds="${LEADSCORE_FUZZ_SECONDS:-30}"
    # Every fuzz_<name> program is run; its seeds are tests/fuzz/corpus/<name>/ (or .../fuzz_<name>/).
    mapfile -t binaries < <(find build-sanitize/tests/fuzz -maxdepth 1 -type f -perm -u+x -name 'fuzz_*' | sort)
    if [[ ${#binaries[@]} -eq 0 ]]; then
      echo "quickstart: no fuzz_* programs were built" >&2
      exit 1
    fi
    mkdir -p build-sanitize/fuzz/artifacts
    for binary in "${binaries[@]}"; do
      target="$(basename "$binary")"
      corpora=()
      for seeds in "tests/fuzz/corpus/${target#fuzz_}" "tests/fuzz/corpus/$target"; do
        [[ -d "$seeds" ]] && corpora+=("$seeds")
      done
      [[ ${#corpora[@]} -gt 0 ]] || echo "quickstart: warning: no seed corpus for $target" >&2
      # New inputs go to a scratch corpus (listed first); the committed seeds are only read.
      scratch="build-sanitize/fuzz/corpus/$target"
      mkdir -p "$scratch"
      args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
            -artifact_prefix="build-sanitize/fuzz/artifacts/$target-")
      for dict in "tests/fuzz/${target#fuzz_}.dict" "tests/fuzz/$target.dict"; do
        [[ -f "$dict" ]] && args+=(-dict="$dict")
      done
      echo "quickstart: fuzzing $target for ${seconds}s (seeds: ${corpora[*]:-none})"
      "$binary" "${args[@]}" "$scratch" "${corpora[@]}"
    done
    ;;

  tsan)
    # ThreadSanitizer does not see the synchronization inside an OpenMP runtime by itself: LLVM's runtime (libomp)
    # reports it to TSan through its Archer tool. So: clang, libomp, OMP_TOOL_LIBRARIES=libarcher.so.
    configure build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" "${unity[@]}" \
      -DCMAKE_CXX_COMPILER=clang++ -DLEADSCORE_TSAN=ON \
      -DLEADSCORE_BUILD_TESTS=ON -DLEADSCORE_BUILD_BENCHMARKS=OFF -DLEADSCORE_BUILD_EXAMPLES=OFF \
      -DLEADSCORE_BUILD_CLI=OFF -DLEADSCORE_INSTALL=OFF
    cmake --build build-tsan -j"$jobs" --target leadscore_thread_tests
    archer="$(clang++ -print-resource-dir)/../../libarcher.so"
    [[ -f "$archer" ]] || archer=/usr/lib/llvm-14/lib/libarcher.so
    OMP_TOOL_LIBRARIES="$archer" OMP_NUM_THREADS=4 \
    TSAN_OPTIONS="${TSAN_OPTIONS:-ignore_noninstrumented_modules=1:halt_on_error=1}" \
      build-tsan/tests/leadscore_thread_tests
    ;;
esac
