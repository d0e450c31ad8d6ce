#!/usr/bin/env bash
# A fuzzing campaign: builds the libFuzzer targets with clang, ASan and
# UBSan, then runs each for SECONDS (default 60) with a 256 MB malloc limit,
# so a length field that asks for a huge allocation counts as a crash.
#   tests/fuzz/run-fuzz.sh [SECONDS] [TARGET...]
# The targets are every tests/fuzz/fuzz_<TARGET>.c (a new reader's harness
# joins by existing). Seeds: tests/fuzz/corpus/<TARGET>/, samples/<TARGET>/,
# tests/data/<TARGET>/ and tests/data/bad/<TARGET>/. Inputs that add
# coverage go to tests/fuzz/corpus/<TARGET>/ (set FUZZ_CORPUS_DIR to keep
# them elsewhere, e.g. for a long campaign merged later with -merge=1).
# tests/fuzz/fuzz_<TARGET>.options adds libFuzzer options for one target.
# A crash leaves crash-* / leak-* / oom-* / timeout-* under
# ${FUZZ_ARTIFACTS:-build-fuzz/artifacts}/<TARGET>/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}; shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do
    t=${f#tests/fuzz/fuzz_}; targets+=("${t%.c}")
  done
fi
dir=${FUZZ_BUILD:-build-fuzz}
if [ ! -d "$dir" ]; then
  # No LTO: clang 14's LTO link of the fuzzers crashes.
  CC=clang meson setup "$dir" -Dfuzzing=true -Db_lto=false -Dwerror=false -Db_sanitize=address,undefined \
    -Db_lundef=false -Dc_args=-fno-sanitize-recover=all -Dtests=enabled >/dev/null
fi
ninja -C "$dir" "${targets[@]/#/tests/fuzz/fuzz_}" >/dev/null
artifacts=${FUZZ_ARTIFACTS:-$dir/artifacts}
failed=()
for t in "${targets[@]}"; do
  corpus=${FUZZ_CORPUS_DIR:-tests/fuzz/corpus}/$t
  mkdir -p "$corpus" "$artifacts/$t"
  seeds=("$corpus")
  # Targets that take other formats' samples (as tests/fuzz/meson.build's
  # extra_seeds): diff reads any profile, speedscope writes pstats and folded,
  # pstats_merge adds single pstats files to themselves.
  case $t in
    diff) more=(samples/pstats samples/lprof samples/mprof samples/folded) ;;
    speedscope) more=(samples/pstats samples/folded) ;;
    pstats_merge) more=(samples/pstats tests/data/pstats tests/data/bad/pstats) ;;
    *) more=() ;;
  esac
  for d in tests/fuzz/corpus/$t samples/$t tests/data/$t tests/data/bad/$t "${more[@]}"; do
    [ -d "$d" ] && [ "$d" != "$corpus" ] && seeds+=("$d")
  done
  echo "== fuzz_$t for ${seconds}s =="
  # A target's own libFuzzer options: tests/fuzz/fuzz_<TARGET>.options.
  extra=()
  if [ -f tests/fuzz/fuzz_$t.options ]; then
    read -r -a extra <<<"$(grep -v '^#' tests/fuzz/fuzz_$t.options | tr '\n' ' ')"
  fi
  log=$artifacts/$t/last-run.log
  if "$dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -malloc_limit_mb=256 -rss_limit_mb=1024 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/$t/" "${extra[@]}" \
      "${seeds[@]}" >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
  else
    grep -E '^(==[0-9]+==|SUMMARY|.*(crash|leak|oom|timeout)-)' "$log" || tail -n 20 "$log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz findings in: ${failed[*]} (inputs under $artifacts/)" >&2
  exit 1
fi
