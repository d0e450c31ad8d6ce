#!/usr/bin/env bash
# Installs what profkit needs to build and test on Debian 12 (apt). Only
# missing packages are installed, so a second run costs a few dpkg queries.
set -euo pipefail

packages=(
  meson ninja-build pkg-config gcc clang
  libgraphviz-dev graphviz zlib1g-dev libcmocka-dev
  python3 time libclang-rt-14-dev
  libcairo2-dev fonts-dejavu-core python3-memory-profiler
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
