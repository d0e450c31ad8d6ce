#!/bin/sh
# Remakes tests/golden/flame/expected/ with the reference tools themselves,
# flamegraph.pl and difffolded.pl from a checkout of brendangregg/FlameGraph
# (never from prof-flame). Only their outputs are committed, not their code.
#
#   sh tests/golden/flame/regen.sh /path/to/FlameGraph
#
# e.g. with a bare mirror: git --git-dir=MIRROR archive HEAD | tar -x -C /tmp/fg
set -eu
if [ $# -ne 1 ] || [ ! -f "$1/flamegraph.pl" ] || [ ! -f "$1/difffolded.pl" ]; then
    echo "usage: $0 FLAMEGRAPH_CHECKOUT (with flamegraph.pl and difffolded.pl)" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/run_flame.py" --regen "$(cd "$1" && pwd)"
