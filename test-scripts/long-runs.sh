#!/usr/bin/env bash
# The long modes of the reliability tests, one after the other: every Jazzer fuzz test of core fuzzed for the given
# time (test-scripts/fuzz.sh), then the race tests under each of HotSpot's four JIT modes (test-scripts/races.sh), then
# the buffer store's kill and corruption tests with large counts (test-scripts/store-long-runs.sh).
# The README's "Reliability" table gives the figures of the last such run; the normal build (mvn -B verify) runs the
# short modes of the same tests.
#
# Usage: test-scripts/long-runs.sh [fuzz-seconds-per-test [race-rounds-per-mode [store-kills [store-trials]]]]
#        (default: 600, 1000000, 2000 and 100000)
# Exit status: 0 when the fuzzers found nothing, every race mode passed and the store runs passed; otherwise the
# first failing script's.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-600}"
rounds="${2:-1000000}"
kills="${3:-2000}"
trials="${4:-100000}"
status=0
echo "== long-runs: fuzzing, $seconds s per fuzz test"
bash test-scripts/fuzz.sh "$seconds" || status=$?
echo "== long-runs: races, $rounds rounds per JIT mode"
bash test-scripts/races.sh "$rounds" || { s=$?; (( status == 0 )) && status=$s; }
echo "== long-runs: buffer store, $kills kills and $trials corruption trials"
bash test-scripts/store-long-runs.sh "$kills" "$trials" || { s=$?; (( status == 0 )) && status=$s; }
if (( status == 0 )); then
  echo "== long-runs: passed (no fuzz finding, every race mode passed, the store kept every committed state)"
else
  echo "== long-runs: FAILED (exit status $status); see the output above" >&2
fi
exit "$status"
