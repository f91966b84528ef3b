#!/usr/bin/env bash
# Builds and runs the JMH suite of the benchmarks module, keeps JMH's JSON under benchmarks/results/ (git-ignored)
# and prints a Markdown table of ratios computed from that one run (test-scripts/bench-table.py): the library beside
# every baseline measured in the same run, and the project's targets, met or missed.
#
# Usage: test-scripts/bench.sh [quick|full] [benchmark-regex] [more JMH options ...]
#   quick (default): one fork, 1 warm-up iteration of 0.5 s and 2 measured of 0.3 s, C's rows placed SCATTERED only
#                    (the hardest placement): about 5 minutes on 2 cores. A first look, and a check that every family
#                    runs and agrees; its figures are rough (one short warm-up: C2 may not have settled).
#   full:            one fork, 2 warm-up iterations of 0.5 s and 5 measured of 0.5 s, every parameter: at most 25
#                    minutes on 2 cores. The README's performance section is made from a full run.
#   regex:           which benchmarks (JMH's regex), default every family.
# Output: benchmarks/results/<UTC time>-<mode>.json (JMH), .log (JMH's output), .md (the tables), also printed.
# Exit status: 0 when the suite ran and every family's variants agreed; 1 when a benchmark failed or a family
# refused to report; 2 for bad arguments. Maven runs holding `flock /tmp/mvn.lock` when that file exists. From a clean
# clone it builds what the benchmarks need (core, collection, the C baselines with gcc) and nothing else.
#
# The time budget. JMH runs every benchmark method with every parameter set in a JVM of its own (a fork: no
# benchmark's profile pollutes another's), so a run costs, per benchmark, the fork and its @Setup (F) plus its
# iterations. F was measured on this 2-core VM (2026-12-04, timestamps of JMH's output): 1.0 s on average over the
# 98 benchmarks of SumBenchmark and WrapBenchmark run with -wi 0 -i 1 -r 100ms (0.7 s for small states, 2 s for the
# 1,000,000x1 tables in C's placements, 4 s for JNA's million Memory rows), and 0.7 s over the 162 benchmarks of a
# quick run (217 s of JMH with 0.6 s of iterations each; 3 min 53 s with the build). What keeps F there: each
# trial builds only the state its variant reads and checks only that variant (the checks of every variant once ran
# in every fork), C's rows are malloc'ed in one downcall (a million interpreted downcalls took 2-6 s per trial), and
# baselines that read none of C's rows (contiguous, double[][], JNA Memory, MemorySegment.copy) run once per shape,
# not once per placement (36 forks fewer). Before that, 43 benchmarks with 16x1000000 rows took 2-3 s of F each.
#   full:  258 benchmarks x (F + 2 x 0.5 s + 5 x 0.5 s) = 258 x ~4.4 s = ~19 min, plus the build (~15 s when
#          compiled, ~25 s from a clean clone) and ops slower than an iteration (JNA per element at 16x1000000,
#          ~0.15 s each, overrun theirs): about 20 minutes, leaving some 5 minutes for a busier machine. Checked on
#          a subset: `bench.sh full '(Wrap|SharedArray)Benchmark'`, 20 benchmarks, took 81 s of JMH (3.8-4.5 s
#          each, from the fork to its result) and 1 min 36 s with the build.
#   quick: 162 benchmarks x (F + 0.5 s + 2 x 0.3 s) = 162 x ~1.9 s = ~5 min, plus the build.
# Where the benchmarks are (full): SumBenchmark 84 (72 over C's table: 4 shapes x 3 placements x 6 variants; 12
# per shape), KernelBenchmark 42, GatherBenchmark 40, BorrowBenchmark 24, CreateBenchmark 14, WrapBenchmark 14,
# BufferStoreBenchmark 11, CollectionBenchmark 8, WindowBenchmark 8, AccessBenchmark 7, SharedArrayBenchmark 6.
# JMH's -foe (fail on error) is not used: it would end the run at the first failure and lose every other family,
# while a family whose variants disagree costs only its own forks (each fails in its setup).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-quick}"
shift || true
regex="${1:-(Sum|Kernel|Gather|Access|Create|Wrap|Borrow|Window|Collection|SharedArray|BufferStore)Benchmark}"
shift || true
case "$mode" in
  quick) opts="-f 1 -wi 1 -w 500ms -i 2 -r 300ms -p placement=SCATTERED" ;;
  full) opts="-f 1 -wi 2 -w 500ms -i 5 -r 500ms" ;;
  *) echo "bench.sh: the mode is 'quick' or 'full', got '$mode'" >&2; exit 2 ;;
esac
command -v python3 > /dev/null || { echo "bench.sh: python3 is needed to print the tables" >&2; exit 2; }

mkdir -p benchmarks/results
stamp="$(date -u +%Y%m%dT%H%M%SZ)-$mode"
json="$PWD/benchmarks/results/$stamp.json"
log="$PWD/benchmarks/results/$stamp.log"
md="$PWD/benchmarks/results/$stamp.md"
jmh_args="$regex $opts $* -rf json -rff $json"

if [[ -e /tmp/mvn.lock ]] && command -v flock > /dev/null; then
  # held until this script ends (fd 9), so that the time reported below excludes the wait for other builds
  exec 9>> /tmp/mvn.lock
  flock -n 9 || { echo "bench.sh: waiting for /tmp/mvn.lock (another build is running)" >&2; flock 9; }
fi
echo "bench.sh: $mode run of '$regex', JMH options: $opts $*" >&2
echo "bench.sh: JMH output in $log" >&2
started=$(date +%s)
status=0
mvn -B -q -Pbenchmarks -pl benchmarks -am -DskipTests verify -Djmh.args="$jmh_args" > "$log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - started ))
if [[ ! -s "$json" ]]; then
  tail -40 "$log" >&2
  echo "bench.sh: no results (Maven exit status $status); see $log" >&2
  exit 1
fi
python3 test-scripts/bench-table.py "$json" --log "$log" \
  --command "test-scripts/bench.sh $mode '$regex' $* (ran $((elapsed / 60)) min $((elapsed % 60)) s)" | tee "$md"
failed=$(grep -c '<failure>' "$log" || true)
if (( status != 0 || failed > 0 )) || grep -q '^\*\*Refused\*\*' "$md"; then
  echo "bench.sh: $failed benchmark(s) failed or a family refused to report; see $log" >&2
  exit 1
fi
