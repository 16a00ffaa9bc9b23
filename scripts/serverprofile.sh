#!/usr/bin/env bash
# scripts/serverprofile.sh CASE_A CASE_B [REQUESTS]
#
# Where does one benchmark server spend more CPU than another? Runs
# BenchmarkServerCPU (httpauth) for two of its cases under `perf record`,
# then compares the two servers' CPU samples per function, each against
# the no-auth baseline server sampled over the same stretch of time, so
# that the machine getting faster or slower between the two cases does not
# count. Prints the difference in samples (B - A, B scaled to A's
# baseline), by package and by function. The servers' start-up (one bcrypt
# hash each, building every case) is sampled too, and shows as noise.
#
#   scripts/serverprofile.sh no-auth-digest-sized-headers gocred-digest-MD5-htdigest
#
# TOP=N prints N rows per table instead of 25.
#
# CASE_A and CASE_B are case names of BenchmarkServerCPU, in the order it
# runs them (see authBenchCases). Needs perf (Debian: apt-get install
# linux-perf) and permission to sample one's own processes
# (kernel.perf_event_paranoid <= 2, the default).
set -euo pipefail
a=${1:?usage: scripts/serverprofile.sh CASE_A CASE_B [REQUESTS]}
b=${2:?usage: scripts/serverprofile.sh CASE_A CASE_B [REQUESTS]}
n=${3:-100000}
command -v perf >/dev/null || { echo "serverprofile.sh: perf is not installed" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -c -o "$dir/bench.test" ./httpauth
perf record -q -o "$dir/perf.data" -F 1999 -- "$dir/bench.test" -test.run '^$' \
	-test.bench "BenchmarkServerCPU/^($a|$b)\$" -test.benchtime "${n}x" | grep '^Benchmark'
perf script -i "$dir/perf.data" -F pid,time,ip,sym 2>/dev/null | python3 -c '
import collections, os, re, sys

samples = []  # (pid, time, symbol)
for line in sys.stdin:
    m = re.match(r"\s*(\d+)\s+([\d.]+):\s+[0-9a-f]+\s+(.*)$", line)
    if m:
        samples.append((m.group(1), float(m.group(2)), m.group(3).strip()))
first, count = {}, collections.Counter()
for pid, t, _ in samples:
    first.setdefault(pid, t)
    count[pid] += 1
# The test process starts first; then its children: the baseline server,
# and for each case a short-lived server (the b.N=1 probe run) and the
# measured one. Keep the children with a real share of the samples.
pids = sorted(first, key=first.get)
big = [p for p in pids[1:] if count[p] > 0.05 * len(samples)]
if len(big) != 3:
    sys.exit("serverprofile.sh: expected three busy servers, found %d" % len(big))
base, pa, pb = big
cut = first[pb]
per = collections.defaultdict(collections.Counter)
for pid, t, sym in samples:
    if pid == base:
        pid = "baseA" if t < cut else "baseB"
    per[pid][sym] += 1
A, B = per[pa], per[pb]
ta, tb = sum(per["baseA"].values()), sum(per["baseB"].values())
na, nb = sum(A.values()), sum(B.values())
scale = ta / tb
print("samples: %s %d (baseline meanwhile %d, ratio %.3f); %s %d (baseline meanwhile %d, ratio %.3f)" % (
    sys.argv[1], na, ta, ta / na, sys.argv[2], nb, tb, tb / nb))
print("%s scaled to the same baseline: %+.0f samples (%+.1f%%)" % (sys.argv[2], nb * scale - na, 100 * (nb * scale / na - 1)))

def pkg(sym):
    if "." not in sym:
        return "kernel and other"
    slash = sym.rfind("/", 0, sym.find(".(") if ".(" in sym else len(sym))
    return sym[: sym.index(".", slash + 1)]
for title, key in (("by package", pkg), ("by function", lambda s: s)):
    ga, gb = collections.Counter(), collections.Counter()
    for s, v in A.items():
        ga[key(s)] += v
    for s, v in B.items():
        gb[key(s)] += v * scale
    rows = sorted(set(ga) | set(gb), key=lambda k: ga[k] - gb[k])
    print("--- %s: B-A, A, B" % title)
    for k in rows[:int(os.environ.get("TOP", "25"))]:
        print("%7.0f %7.0f %7.0f  %s" % (gb[k] - ga[k], ga[k], gb[k], k))
' "$a" "$b"
