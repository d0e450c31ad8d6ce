#!/usr/bin/env bash
# Installs what profkit needs to build and test on Debian 12 (apt). Only
# missing packages are installed, so a second run costs a few dpkg queries.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc clang
  libgraphviz-dev graphviz zlib1g-dev libcmocka-dev
  python3 python3-dev time libclang-rt-14-dev
  libcairo2-dev fonts-dejavu-core python3-memory-profiler
  chromium nodejs
  python3-line-profiler
  valgrind
)

# The node-side tests (playwright-core driving chromium, speedscope,
# pprof-format) are pinned in tests/browser/package-lock.json; npm ci
# fetches them when any is missing.
browser_driver() {
  local dir
  dir="$(cd "$(dirname "$0")" && pwd)/browser"
  local m need=0
  for m in playwright-core speedscope pprof-format; do
    [ -d "$dir/node_modules/$m" ] || need=1
  done
  [ "$need" = 0 ] && return 0
  echo "installing node test packages in $dir (npm ci)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund >/dev/null)
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian packages npm apart from nodejs; other nodejs builds bundle it.
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && { browser_driver; exit 0; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
browser_driver
