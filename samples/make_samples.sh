#!/bin/sh
# Regenerate samples/pstats/ from the programs in samples/programs/.
#
# Every interpreter found is used: the pyenv CPythons 2.7 and 3.6-3.13 and
# Debian's /usr/bin/python3; missing ones are skipped quietly.  The profiled
# scripts are started with a relative path from inside samples/programs, so
# the file names stored in the profiles are short and stable; one run starts
# from the repository root instead, so --strip-dirs has directories to strip.
#
# Usage: sh samples/make_samples.sh        (from any directory)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/pstats
progs=$here/programs

# Call counts must not depend on hash seeds, and a non-ASCII script name must
# be decoded the same way by every interpreter (3.6 would use ASCII under C).
export PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C.UTF-8
unset PYTHONPATH PYTHONSTARTUP 2>/dev/null || true

pyenv_root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
versions="2.7.18 3.6.15 3.7.16 3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0"

# Print "VERSION PATH" for every interpreter that exists.
interpreters() {
    for v in $versions; do
        p=$pyenv_root/versions/$v/bin/python
        [ -x "$p" ] && echo "$v $p"
    done
    if [ -x /usr/bin/python3 ]; then
        echo "$(/usr/bin/python3 -c 'import platform; print(platform.python_version())') /usr/bin/python3"
    fi
    return 0
}

# Programs profiled with the pure-Python profiler, by interpreter version
# (the profile module is slow, so only a subset; every interpreter gets one).
pyprofile_programs() {
    case $1 in
        2.7.18|3.13.0) echo "recursion shapes" ;;
        3.11.7)        echo "recursion wordfreq" ;;
        *)             echo "recursion" ;;
    esac
}

mkdir -p "$out"
rm -f "$out"/*.pstats "$out"/*.pstats.gz

interpreters | while read -r ver py; do
    cd "$progs"
    for prog in wordfreq recursion stdlib_mix shapes ünïcode_prog; do
        # Python 2 has no non-ASCII identifiers.
        case $ver:$prog in 2.*:ünïcode_prog) continue ;; esac
        "$py" -m cProfile -o "../pstats/${prog}_cprofile_py$ver.pstats" "$prog.py" >/dev/null
    done
    for prog in $(pyprofile_programs "$ver"); do
        "$py" -m profile -o "../pstats/${prog}_pyprofile_py$ver.pstats" "$prog.py" >/dev/null
    done
    echo "made samples for Python $ver ($py)"
done

# The special cases use 3.11.7 when present, else Debian's python3.
py311=$pyenv_root/versions/3.11.7/bin/python
[ -x "$py311" ] || py311=/usr/bin/python3
v311=$("$py311" -c 'import platform; print(platform.python_version())')

# Script started from the repository root: file names carry directories.
cd "$here/.."
"$py311" -m cProfile -o "samples/pstats/shapes_cprofile_rootpath_py$v311.pstats" \
    samples/programs/shapes.py >/dev/null

cd "$progs"
# profile.run() with a string statement: the command string becomes a key.
"$py311" -c "
import profile
exec(compile(open('recursion.py').read(), 'recursion.py', 'exec'))
profile.run('fib(16); hanoi(6, \"a\", \"c\", \"b\", [])',
            '../pstats/runstring_pyprofile_py$v311.pstats')
" >/dev/null

# An empty profile: nothing was profiled (pstats refuses to load it).
"$py311" -c "import cProfile; cProfile.Profile().dump_stats('../pstats/empty_cprofile_py$v311.pstats')"

# A file name that is not UTF-8: a lone surrogate in Python 3 files, raw
# bytes in Python 2 files.
py27=$pyenv_root/versions/2.7.18/bin/python
for py in "$py311" "$py27"; do
    [ -x "$py" ] || continue
    v=$("$py" -c 'import platform; print(platform.python_version())')
    "$py" -m cProfile -o "../pstats/undecodable_name_cprofile_py$v.pstats" undecodable_name.py
done

# A gzip'd copy (-n: no name or time stamp, so the bytes are reproducible).
gzip -9 -n -c "../pstats/wordfreq_cprofile_py$v311.pstats" \
    > "../pstats/wordfreq_cprofile_py$v311.pstats.gz"

echo "samples/pstats: $(ls "$out" | wc -l) files, $(du -sk "$out" | cut -f1) KiB"
