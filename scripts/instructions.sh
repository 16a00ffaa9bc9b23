#!/usr/bin/env bash
# scripts/instructions.sh PKG BENCH [LOW HIGH]
#
# Prints how many instructions one op of benchmark BENCH (a -bench regexp
# naming one benchmark) in package PKG executes, counted by valgrind's
# callgrind rather than timed, so the figure is the same on a busy machine
# and on an idle one. The benchmark runs at -benchtime LOWx and HIGHx
# (default 2000 and 12000); the difference of the two totals over the
# difference of the op counts cancels the setup, which must therefore not
# depend on b.N in that range (BenchmarkDigestRequest's does not).
#
#   scripts/instructions.sh ./httpauth 'BenchmarkDigestRequest/MD5-htdigest'
#
# Needs valgrind (Debian: apt-get install valgrind). Go's asynchronous
# preemption signals upset callgrind, so it is turned off for the run.
set -euo pipefail
pkg=${1:?usage: scripts/instructions.sh PKG BENCH [LOW HIGH]}
bench=${2:?usage: scripts/instructions.sh PKG BENCH [LOW HIGH]}
low=${3:-2000}
high=${4:-12000}
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -c -o "$dir/bench.test" "$pkg"

count() {
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind \
		--callgrind-out-file="$dir/callgrind.$1" "$dir/bench.test" \
		-test.run '^$' -test.bench "$bench" -test.benchtime "${1}x" -test.count 1 \
		2>&1 >"$dir/out.$1" | sed -n 's/.*refs: *//p' | tr -d ,
}
a=$(count "$low")
b=$(count "$high")
if [ -z "$a" ] || [ -z "$b" ]; then
	echo "instructions.sh: valgrind printed no instruction count; the benchmark's output:" >&2
	cat "$dir/out.$high" >&2
	exit 1
fi
grep -q '^Benchmark' "$dir/out.$high" || { echo "instructions.sh: no benchmark matched $bench" >&2; cat "$dir/out.$high" >&2; exit 1; }
echo "$bench: $(((b - a) / (high - low))) instructions/op"
