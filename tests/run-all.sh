#!/usr/bin/env bash
# The whole test suite, as README.md and CI run it: install what is
# missing, then a plain build with every test, then an AddressSanitizer +
# UndefinedBehaviorSanitizer build with every test again.
set -euo pipefail
cd "$(dirname "$0")/.."

tests/install-deps.sh

setup() { # dir, extra meson options...
  local dir=$1; shift
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

echo "== plain build (-Wall -Wextra -Werror) =="
setup build-test
ninja -C build-test
meson test -C build-test --print-errorlogs --num-processes 2

echo "== sanitizer build (ASan + UBSan, no recover) =="
# No LTO here: it only slows the link, and the sanitizers need no inlining.
setup build-san -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false \
  -Dc_args=-fno-sanitize-recover=all -Darena_debug=true
ninja -C build-san
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C build-san --print-errorlogs --num-processes 2 --timeout-multiplier 3

echo "== fuzzing (clang, libFuzzer, ASan + UBSan, ${PROFKIT_FUZZ_SECONDS:-15} s per reader) =="
# A short bounded run of every fuzz target; new inputs stay in the build
# dir, so the tree is unchanged. A longer campaign: see README "Fuzzing".
FUZZ_BUILD=build-fuzz-ci FUZZ_CORPUS_DIR=build-fuzz-ci/corpus \
  tests/fuzz/run-fuzz.sh "${PROFKIT_FUZZ_SECONDS:-15}"

echo "all test suites passed"
