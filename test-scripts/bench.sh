#!/usr/bin/env bash
# Builds and runs the JMH suite of the benchmarks module, keeps JMH's JSON under benchmarks/results/ (git-ignored)
# and prints a Markdown table of ratios computed from that one run (test-scripts/bench-table.py): the library beside
# every baseline measured in the same run, and the project's targets, met or missed.
#
# Usage: test-scripts/bench.sh [quick|full] [benchmark-regex] [more JMH options ...]
#   quick (default): one fork, 1 warm-up and 2 measured iterations of 1 s, rows placed ONE_BLOCK and SCATTERED only:
#                    about 5 minutes on 2 cores. For a first look and for checking that every family runs.
#   full:            one fork, 2 warm-up and 4 measured iterations of 1 s, every parameter: at most 25 minutes on
#                    2 cores. The README's performance section is made from a full run.
#   regex:           which benchmarks (JMH's regex), default every family.
# Output: benchmarks/results/<UTC time>-<mode>.json (JMH), .log (JMH's output), .md (the tables), also printed.
# Exit status: 0 when the suite ran and every family's variants agreed; 1 when a benchmark failed or a family
# refused to report; 2 for bad arguments. Maven runs under `flock /tmp/mvn.lock` when that file exists.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-quick}"
shift || true
regex="${1:-(Sum|Kernel|Gather|Access|Create|Borrow|Window|Collection)Benchmark}"
shift || true
case "$mode" in
  quick) opts="-f 1 -wi 1 -w 1 -i 2 -r 1 -p placement=ONE_BLOCK,SCATTERED" ;;
  full) opts="-f 1 -wi 2 -w 1 -i 4 -r 1" ;;
  *) echo "bench.sh: the mode is 'quick' or 'full', got '$mode'" >&2; exit 2 ;;
esac
command -v python3 > /dev/null || { echo "bench.sh: python3 is needed to print the tables" >&2; exit 2; }

mkdir -p benchmarks/results
stamp="$(date -u +%Y%m%dT%H%M%SZ)-$mode"
json="$PWD/benchmarks/results/$stamp.json"
log="$PWD/benchmarks/results/$stamp.log"
md="$PWD/benchmarks/results/$stamp.md"
jmh_args="$regex $opts $* -rf json -rff $json"

mvn_cmd=(mvn -B -q)
if [[ -e /tmp/mvn.lock ]] && command -v flock > /dev/null; then
  mvn_cmd=(flock /tmp/mvn.lock "${mvn_cmd[@]}")
fi
echo "bench.sh: $mode run of '$regex', JMH options: $opts $*" >&2
echo "bench.sh: JMH output in $log" >&2
started=$(date +%s)
status=0
"${mvn_cmd[@]}" -Pbenchmarks -DskipTests verify -Djmh.args="$jmh_args" > "$log" 2>&1 || status=$?
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
