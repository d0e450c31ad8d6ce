#!/usr/bin/env bash
# A fuzzing campaign: builds the libFuzzer targets with clang, ASan and
# UBSan, then runs each for SECONDS (default 60) with a 256 MB malloc limit,
# so a length field that asks for a huge allocation counts as a crash.
# New interesting inputs are added to tests/fuzz/corpus/<target>/.
#   tests/fuzz/run-fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}; shift || true
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(pstats lprof mprof folded pprof)
dir=build-fuzz
if [ ! -d $dir ]; then
  # No LTO: clang 14's LTO link of the fuzzers crashes.
  CC=clang meson setup $dir -Dfuzzing=true -Db_lto=false -Dwerror=false -Db_sanitize=address,undefined \
    -Db_lundef=false -Dc_args=-fno-sanitize-recover=all -Dtests=enabled >/dev/null
fi
ninja -C $dir >/dev/null
for t in "${targets[@]}"; do
  mkdir -p tests/fuzz/corpus/$t
  seeds=(tests/fuzz/corpus/$t)
  [ -d samples/$t ] && seeds+=(samples/$t)
  echo "== fuzz_$t for ${seconds}s =="
  $dir/tests/fuzz/fuzz_$t -max_total_time="$seconds" -malloc_limit_mb=256 -rss_limit_mb=1024 \
    -timeout=10 -print_final_stats=1 "${seeds[@]}" 2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss|==|SUMMARY|.*(crash|leak|timeout)-)' || true
done
