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
)

# The browser test drives chromium with playwright-core, pinned in
# tests/browser/package-lock.json; npm ci fetches it when it is missing.
browser_driver() {
  local dir
  dir="$(cd "$(dirname "$0")" && pwd)/browser"
  [ -d "$dir/node_modules/playwright-core" ] && return 0
  echo "installing playwright-core in $dir (npm ci)" >&2
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
