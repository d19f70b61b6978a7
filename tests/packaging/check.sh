#!/usr/bin/env bash
# Builds and runs the consumer in tests/packaging three ways: against an installed leadscore
# (find_package), through add_subdirectory, and through FetchContent from a source archive (file:// URL).
# Usage: bash tests/packaging/check.sh [leadscore build dir to install from]
#   Without an argument a library-only build is made in build-packaging/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"
work="$(mktemp -d "${TMPDIR:-/tmp}/leadscore-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Consumers build without optimization (leadscore as a sub-project follows them): what is checked here
# is that they configure, link and run, and -O0 halves the time of the two library builds.
common=(-DCMAKE_BUILD_TYPE=)

run_consumer() { # name, extra configure arguments...
  local name="$1"; shift
  echo "-- consumer via $name"
  cmake -S "$here" -B "$work/$name" "${common[@]}" "$@" >"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; echo "check.sh: configuring the $name consumer failed" >&2; return 1; }
  cmake --build "$work/$name" -j"$jobs" >>"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; echo "check.sh: building the $name consumer failed" >&2; return 1; }
  # Only the consumer and the library may have been compiled: no tests, benchmarks, examples or CLI.
  if grep -E 'Building CXX object .*(tests/|bench/|examples/|src/cli/)' "$work/$name.log"; then
    echo "check.sh: the $name build compiled leadscore's tests, benchmarks, examples or CLI" >&2
    return 1
  fi
  "$work/$name/consumer"
}

# 1. Installed package.
build="${1:-$root/build-packaging}"
if [[ $# -eq 0 ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DLEADSCORE_BUILD_TESTS=OFF \
    -DLEADSCORE_BUILD_BENCHMARKS=OFF -DLEADSCORE_BUILD_EXAMPLES=OFF -DLEADSCORE_BUILD_CLI=OFF \
    -DLEADSCORE_INSTALL=ON >/dev/null
fi
cmake --build "$build" -j"$jobs" >/dev/null
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
for f in lib/cmake/leadscore/leadscoreConfig.cmake lib/cmake/leadscore/leadscoreConfigVersion.cmake \
         lib/cmake/leadscore/leadscoreTargets.cmake include/leadscore/version.hpp; do
  [[ -f "$work/prefix/$f" ]] || { echo "check.sh: $f was not installed" >&2; exit 1; }
done
# A build with the database part (LEADSCORE_SQL) must install it as the component sql; the consumer then also links
# leadscore::sql (find_package(leadscore CONFIG REQUIRED COMPONENTS sql)).
sql_consumer=()
if grep -q '^LEADSCORE_SQL:BOOL=ON$' "$build/CMakeCache.txt"; then
  for f in lib/cmake/leadscore/leadscore-sqlTargets.cmake include/leadscore/sql/database.hpp; do
    [[ -f "$work/prefix/$f" ]] || { echo "check.sh: $f was not installed" >&2; exit 1; }
  done
  sql_consumer=(-DLEADSCORE_CONSUMER_SQL=ON)
fi
run_consumer package -DCMAKE_PREFIX_PATH="$work/prefix" "${sql_consumer[@]}"
grep -q "leadscore [0-9.]* from $work/prefix/" "$work/package.log" \
  || { echo "check.sh: find_package did not pick the installed package" >&2; exit 1; }
if [[ ${#sql_consumer[@]} -gt 0 ]]; then
  "$work/package/sql_consumer"
fi

# The embedding example (examples/embed_crm) against the same installed package: a CRM's arrays scored, rated and
# routed through find_package.
echo "-- examples/embed_crm via the installed package"
cmake -S "$root/examples/embed_crm" -B "$work/embed_crm" "${common[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/embed_crm.log" 2>&1 && cmake --build "$work/embed_crm" -j"$jobs" >>"$work/embed_crm.log" 2>&1 \
  || { cat "$work/embed_crm.log"; echo "check.sh: building examples/embed_crm failed" >&2; exit 1; }
"$work/embed_crm/embed_crm"

# 2. add_subdirectory of the source tree, configured: generation fails unless leadscore::leadscore exists (the
# consumer links it), and the generated build must hold none of leadscore's tests, benchmarks, examples or CLI.
# (The same sources were built in the installed package above; building them again would only cost CI minutes.)
configure_consumer() { # name, extra configure arguments...
  local name="$1"; shift
  echo "-- consumer via $name (configure)"
  cmake -S "$here" -B "$work/$name" "${common[@]}" "$@" >"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; echo "check.sh: configuring the $name consumer failed" >&2; exit 1; }
  local targets
  targets="$(cmake --build "$work/$name" --target help)"
  if grep -E 'leadscore_(tests|bench|cli)|hello_table|fuzz_' <<<"$targets"; then
    echo "check.sh: the $name sub-project build has leadscore's tests, benchmarks, examples or CLI" >&2
    exit 1
  fi
  grep -q -E '(^|[ .])leadscore$' <<<"$targets" \
    || { echo "check.sh: the $name build has no leadscore library target" >&2; exit 1; }
}
configure_consumer subdirectory -DLEADSCORE_CONSUME=subdirectory -DLEADSCORE_SOURCE="$root"

# 3. FetchContent of a source archive, as a release tarball would be consumed (no network).
# The top-level entries are named one by one rather than archiving '.': other CI steps create build directories in
# the root while this runs, and tar fails on a directory that changed as it was read.
entries=()
for entry in "$root"/* "$root"/.[!.]*; do
  name="${entry##*/}"
  case "$name" in build* | _install* | .git | '.[!.]*' | '*') continue ;; esac
  entries+=("$name")
done
tar -C "$root" -czf "$work/leadscore-src.tar.gz" --transform='s,^,leadscore/,' "${entries[@]}"
hash="$(sha256sum "$work/leadscore-src.tar.gz" | cut -d' ' -f1)"
# Configured as above: the archive unpacks, the sub-project configures, leadscore::leadscore exists.
configure_consumer fetchcontent -DLEADSCORE_CONSUME=fetchcontent \
  -DLEADSCORE_URL="file://$work/leadscore-src.tar.gz" -DLEADSCORE_URL_HASH="SHA256=$hash"

echo "packaging: the find_package consumer${sql_consumer:+ (with leadscore::sql)} and examples/embed_crm built and ran; add_subdirectory and FetchContent configured"
