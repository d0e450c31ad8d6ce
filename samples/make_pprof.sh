#!/bin/sh
# Real pprof samples: Go's runtime/pprof profiling samples/pprof/goprog
# (a CPU profile with inlined frames, heap and allocs profiles with four
# sample types), plus the hand-encoded before.pb(.gz) of the shared format
# samples. Needs Go (apt-get install golang-go); the tests do not.
set -eu
cd "$(dirname "$0")/pprof"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOCACHE="$tmp/cache" GOPATH="$tmp/gopath" GO111MODULE=off GOFLAGS=
go version > go_version.txt
go build -o "$tmp/goprog" ./goprog
"$tmp/goprog" go_cpu.pb.gz go_heap.pb.gz go_allocs.pb.gz
shared=/work/shared/format-samples/pprof
if [ -d "$shared" ]; then
  cp "$shared/before.pb" "$shared/before.pb.gz" .
fi
ls -l *.pb *.pb.gz
# A tree-shaped cProfile run, whose approximate stacks are exact.
/usr/bin/python3 -m cProfile -o call_tree_cprofile_py3.11.2.pstats call_tree.py
