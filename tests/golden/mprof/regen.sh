#!/bin/sh
# Regenerate tests/golden/mprof/<name>.peak for every case in cases.tsv with
# memory_profiler's own `mprof peak` (Debian: python3-memory-profiler),
# never with profkit.  Runs from any directory; MPROF picks the command.
set -eu

root=$(cd "$(dirname "$0")/../../.." && pwd)
MPROF=${MPROF:-python3-mprof}
cd "$root"
command -v "$MPROF" >/dev/null || {
    echo "regen.sh: $MPROF not found (apt-get install python3-memory-profiler)" >&2
    exit 1
}
rm -f tests/golden/mprof/*.peak
n=0
grep -v '^#' tests/golden/mprof/cases.tsv | while IFS='	' read -r name args; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086  # args are paths without spaces
    "$MPROF" peak $args > "tests/golden/mprof/$name.peak"
    n=$((n + 1))
    echo "$name.peak"
done
