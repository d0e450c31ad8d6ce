#!/bin/sh
# Regenerate the callgrind samples in samples/callgrind/ with valgrind's
# callgrind (valgrind 3.19 on Debian 12 made the committed ones).
#
#   cgwork_O0.callgrind          cprog/ built with gcc -O0 -g, default options
#                                (positions: line, events: Ir, compressed
#                                names and positions, fi=/fe= from glibc)
#   cgwork_O2_instr.callgrind    -O2 -g (mix() inlined: fi=/fe= lines) with
#                                --dump-instr=yes --collect-jumps=yes
#                                (positions: instr line, hex addresses,
#                                jump=/jcnd=/jfi=/jfn= lines)
#   cgwork_cache.callgrind       -O0 with --cache-sim=yes --branch-sim=yes
#                                (13 events; profkit uses the first, Ir)
#   python_json.callgrind.gz     Debian's python3 running a json/re snippet,
#                                collected only inside PyRun_SimpleString*
#                                (--toggle-collect): ~1300 functions of a
#                                real interpreter, gzip -9 -n (270 KB plain)
#   tiny.callgrind               a copy of FORMATS.md's hand-written example
#                                (/work/shared/format-samples), times in ns
#
# The program is built and run in a fixed scratch directory with relative
# source names, so file names in the profiles are short ("cgwork.c").
# Instruction counts vary a little between machines and environments.
#
# Usage: sh samples/callgrind/make_samples.sh     (from any directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
scratch=/tmp/profkit-callgrind
py=/usr/bin/python3   # the interpreter itself: a pyenv shim is a shell script
shared=/work/shared/format-samples/callgrind/callgrind.out.tiny

chmod 644 "$here"/*.callgrind*
rm -rf "$scratch"
mkdir -p "$scratch"
cp "$here"/cprog/*.c "$here"/cprog/*.h "$scratch"/
cd "$scratch"
gcc -g -O0 -o cgwork cgwork.c helper.c
gcc -g -O2 -o cgwork_O2 cgwork.c helper.c

cg() { # output options... -- command...
    out=$1; shift
    valgrind --tool=callgrind --callgrind-out-file="$here/$out" "$@" >/dev/null 2>&1
}
cg cgwork_O0.callgrind ./cgwork
cg cgwork_O2_instr.callgrind --dump-instr=yes --collect-jumps=yes ./cgwork_O2
cg cgwork_cache.callgrind --cache-sim=yes --branch-sim=yes ./cgwork

cat > work.py <<'PY'
import json, re
data = [{"id": i, "name": "item%d" % i, "tags": ["a", "b"][: i % 3]} for i in range(300)]
text = json.dumps(data)
back = json.loads(text)
words = re.findall(r"item(\d+)", text)
print(len(back), sum(int(w) for w in words))
PY
PYTHONHASHSEED=0 cg python_json.callgrind --toggle-collect='PyRun_SimpleString*' \
    "$py" -c "$(cat work.py)"
gzip -9 -n -f "$here/python_json.callgrind"

if [ -f "$shared" ]; then
    cp "$shared" "$here/tiny.callgrind"
    chmod 644 "$here/tiny.callgrind"
fi
chmod 644 "$here"/*.callgrind*
rm -rf "$scratch"
ls -l "$here"
