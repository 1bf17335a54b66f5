#!/usr/bin/env bash
# Sets up, builds and runs every test: the Criterion unit tests and the end-to-end suite, first on
# a normal build, then on an ASan + UBSan build. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh
# The end-to-end tests fail (instead of skipping) when something setup installs is missing.
export VENVSYNC_TEST_SETUP=1

# nushell is not packaged by Debian; the npm registry carries its official release binaries
# (package `nushell`). Optional: without npm or the registry the nushell activator tests skip,
# with the reason in VENVSYNC_TEST_NUSHELL_SKIP.
nushell_unavailable() {
  echo "setup: $1; the nushell tests will skip"
  export VENVSYNC_TEST_NUSHELL_SKIP="$1 (scripts/test.sh)"
}
install_nushell() {
  command -v nu >/dev/null && return 0
  command -v npm >/dev/null || { nushell_unavailable "no npm to install nushell with"; return 0; }
  local dir="$root/build-tools/nushell" nu
  nu=$(find "$dir/node_modules/@nushell" -path '*/bin/nu' -type f 2>/dev/null | head -n1 || true)
  if [ -z "$nu" ]; then
    echo "setup: installing nushell 0.115.1 from the npm registry"
    npm install --silent --no-audit --no-fund --prefix "$dir" nushell@0.115.1 >/dev/null 2>&1 ||
      { nushell_unavailable "npm could not install nushell@0.115.1"; return 0; }
    nu=$(find "$dir/node_modules/@nushell" -path '*/bin/nu' -type f 2>/dev/null | head -n1 || true)
  fi
  [ -n "$nu" ] && "$nu" --version >/dev/null 2>&1 || { nushell_unavailable "nushell does not run here"; return 0; }
  mkdir -p "$dir/bin" && ln -sf "$nu" "$dir/bin/nu"
  export PATH="$dir/bin:$PATH"
}
install_nushell

jobs=$(nproc 2>/dev/null || echo 2)
status=0

run_suite() {  # name build-dir extra-cmake-args...
  local name=$1 dir=$2; shift 2
  echo "=== $name: build ($dir)"
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "=== $name: unit tests"
  LSAN_OPTIONS="suppressions=$root/tests/unit/lsan.supp:print_suppressions=0" \
    "$dir/unit_tests" --jobs "$jobs" || status=1
  echo "=== $name: end-to-end tests"
  VENVSYNC_BIN="$dir/venvsync" /usr/bin/python3 -m pytest -q -p no:cacheprovider -n "$jobs" \
    "$root/tests/e2e" || status=1
}


export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_suite "release" "$root/build"
run_suite "asan+ubsan" "$root/build-asan" -DVENVSYNC_SANITIZE=ON
echo "=== layers: every #include points down the stage order (docs/architecture.md)"
python3 scripts/check-layers.py || status=1

if [ $status -eq 0 ]; then echo "=== all suites passed"; else echo "=== FAILURES (see above)"; fi
exit $status
