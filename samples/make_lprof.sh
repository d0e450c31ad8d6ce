#!/bin/sh
# Regenerate samples/lprof/ with Debian's line_profiler 4.0.2 (kernprof -l,
# package python3-line-profiler, Python 3.11) from the @profile-decorated
# programs in samples/programs/.
#
# The scripts are started with a relative path from inside samples/programs,
# so the file names stored in the .lprof keys are short: the goldens resolve
# the source lines from that directory. Two runs store other names: one from
# the repository root (names with a directory), one through a directory
# path longer than 255 bytes (the pickle then needs BINUNICODE, and no
# golden run can find that file).
#
# Usage: sh samples/make_lprof.sh        (from any directory)
# Afterwards regenerate the goldens: sh tests/golden/lprof/regen.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/lprof
progs=$here/programs
KERNPROF=${KERNPROF:-kernprof}

# Hit counts must not depend on hash seeds.
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8
unset PYTHONPATH PYTHONSTARTUP 2>/dev/null || true

command -v "$KERNPROF" >/dev/null || {
    echo "make_lprof.sh: kernprof not found (apt-get install python3-line-profiler)" >&2
    exit 1
}

mkdir -p "$out"
rm -f "$out"/*.lprof

cd "$progs"
for prog in lines_demo lines_calc; do
    "$KERNPROF" -l -o "$out/$prog.lprof" "$prog.py" >/dev/null
done

# From the repository root: keys name samples/programs/lines_demo.py.
cd "$here/.."
"$KERNPROF" -l -o "$out/lines_demo_rootpath.lprof" samples/programs/lines_demo.py >/dev/null

# Through a relative path of more than 255 bytes.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
long=a_rather_long_directory_name_to_push_the_path_over_255_bytes
deep=$long/$long/$long/$long/$long
mkdir -p "$tmp/$deep"
cp "$progs/lines_calc.py" "$tmp/$deep/"
cd "$tmp"
"$KERNPROF" -l -o "$out/longpath_lines_calc.lprof" "$deep/lines_calc.py" >/dev/null

ls -l "$out"
