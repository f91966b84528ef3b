#!/usr/bin/env bash
# The long modes of the buffer store's durability tests (core, package org.indirectbuffer.space), one after the other,
# printing their figures:
#   BufferStoreKillTest        a child JVM putting and removing random buffers in one store file is killed with
#                              SIGKILL at a random moment, `kills` times; after each kill the store must hold exactly a
#                              committed state. Its negative control (in-place commits) must see torn buffers.
#   BufferStoreCorruptionTest  `trials` copies of a closed store with 1..8 flipped bytes: each is refused with the
#                              documented exception or gives only committed data.
# The normal build (mvn -B verify) runs both with 200 kills (40 for the control) and 1000 trials, in core's default
# surefire run only (tag "durability"). Both print the seed they drew; pass it back with STORE_SEED=... to repeat a
# corruption run exactly (kill runs depend on timing too).
#
# Each test runs in one Maven invocation (process-test-classes, then surefire:test with -Dtest=...), under
# `flock /tmp/mvn.lock` when that file exists: at the defaults about 10 minutes for the kills, 5 for the trials on a
# 2-core machine. The reports are in core/target/surefire-reports/; a violating kill run leaves its slots' dump in the
# failure message.
#
# Usage: test-scripts/store-long-runs.sh [kills [corruption-trials [control-kills]]]   (default: 2000, 100000, 200)
# Exit status: 0 when both passed; otherwise the first failing run's.
set -euo pipefail
cd "$(dirname "$0")/.."

kills="${1:-2000}"
trials="${2:-100000}"
control="${3:-200}"
for n in "$kills" "$trials" "$control"; do
  if [[ ! "$n" =~ ^[0-9]+$ ]] || (( n < 1 )); then
    echo "store-long-runs.sh: counts must be positive integers, got '$n'" >&2
    exit 2
  fi
done
seed=()
if [[ -n "${STORE_SEED:-}" ]]; then
  seed=(-Dindirectbuffer.storekill.seed="$STORE_SEED" -Dindirectbuffer.storecorruption.seed="$STORE_SEED")
fi
mvn_cmd=(mvn -B -q)
if [[ -e /tmp/mvn.lock ]] && command -v flock > /dev/null; then
  mvn_cmd=(flock /tmp/mvn.lock "${mvn_cmd[@]}")
fi
reports=core/target/surefire-reports
mkdir -p core/target
status=0
run() {
  local class="$1"
  shift
  local log="core/target/store-long-$class.log" s=0
  rm -f "$reports"/*"$class"*
  echo "== $class $*"
  local start=$SECONDS
  # process-test-classes first, in the same invocation: its validate phase selects the JDK 25 toolchain, and it
  # copies the test classes surefire runs from. surefire:test is the default run's configuration, once.
  "${mvn_cmd[@]}" -pl core process-test-classes surefire:test -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false \
    "${seed[@]}" "$@" > "$log" 2>&1 || s=$?
  grep -h "^$class" "$reports/org.indirectbuffer.space.$class-output.txt" 2>/dev/null | grep -v '^BufferStoreKillTest control kill' \
    | cut -c1-400 || true
  grep -h 'Tests run' "$reports/org.indirectbuffer.space.$class.txt" 2>/dev/null || true
  echo "   $(( SECONDS - start )) s, exit status $s (log: $log)"
  if (( s != 0 )); then
    grep -h -A3 'FAILURE\|expected\|Expecting' "$reports/org.indirectbuffer.space.$class.txt" 2>/dev/null | head -20 >&2 || true
    (( status == 0 )) && status=$s
  fi
}
run BufferStoreKillTest -Dindirectbuffer.storekill.kills="$kills" -Dindirectbuffer.storekill.controlKills="$control"
run BufferStoreCorruptionTest -Dindirectbuffer.storecorruption.trials="$trials"
if (( status == 0 )); then
  echo "== store-long-runs: passed"
else
  echo "== store-long-runs: FAILED (exit status $status); see the output above" >&2
fi
exit "$status"
