#!/bin/sh
# Builds the collector for one Python and runs its tests against it: the
# same sources and the same `meson test --suite collector` as the default
# build (which uses python3 from PATH), with -Dcollector_python=PYTHON.
#
#   sh src/collector/build_for.sh PYTHON [BUILDDIR]
#   sh src/collector/build_for.sh "$(pyenv root)/versions/3.13.0/bin/python"
#
# BUILDDIR defaults to build-collector-pyX.Y in the repository root; extra
# meson options may be given in MESON_OPTS (e.g. -Db_sanitize=address,undefined
# -Db_lundef=false). Exit status: that of meson test.
#
# Meson before 1.2 finds a Python's paths through distutils, which Python
# 3.12 removed; for such a Python the meson setup step borrows the copy of
# distutils that setuptools ships (Debian's meson depends on setuptools).
set -eu

[ $# -ge 1 ] || { echo "usage: sh src/collector/build_for.sh PYTHON [BUILDDIR]" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../.." && pwd)
py=$1
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
dir=${2:-$root/build-collector-py$ver}

shim=
if ! "$py" -c 'import distutils' 2>/dev/null; then
    mpy=$(sed -n '1s/^#! *//p' "$(command -v meson)")
    sd=$("${mpy:-python3}" -c 'import importlib.util as u; print(u.find_spec("setuptools").submodule_search_locations[0])')
    shim=$(mktemp -d)
    trap 'rm -rf "$shim"' EXIT
    ln -s "$sd/_distutils" "$shim/distutils"
fi

cd "$root"
if [ -d "$dir" ]; then how=--reconfigure; else how=; fi
# shellcheck disable=SC2086
PYTHONPATH=$shim meson setup $how "$dir" -Dcollector=enabled -Dcollector_python="$py" ${MESON_OPTS:-} >/dev/null
ninja -C "$dir"
meson test -C "$dir" --suite collector --print-errorlogs
