#!/usr/bin/env bash
# Fuzzes each Jazzer fuzz test of core in fuzzing mode (JAZZER_FUZZ=1) for the given time, one after the other, and
# prints for each the inputs executed, the executions per second and the findings.
#
# The normal build (mvn -B verify) only replays the regression inputs of each fuzz test (Jazzer's regression mode);
# this script searches for new ones. Each test runs in core's 'fuzz' surefire execution (-XX:+EnableDynamicAgentLoading
# -Xshare:off); the corpus Jazzer grows is kept in core/.cifuzz-corpus/ (not committed) and reused by the next run. A
# finding stops that test's run: Jazzer writes the input as crash-<sha1> into the test's Inputs directory under
# core/src/test/resources/<package of the test>/, where the normal build replays it; fix the library, keep the file,
# commit both. The surefire report of the last test fuzzed is in core/target/surefire-reports/.
#
# Usage: test-scripts/fuzz.sh [seconds-per-test [Class#method ...]]   (default: 60 s each, every fuzz test)
# Exit status: 0 when no test had a finding. Maven runs under `flock /tmp/mvn.lock` when that file exists.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if [[ ! "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "fuzz.sh: seconds must be a positive integer, got '$seconds'" >&2
  exit 2
fi
tests=("$@")
if (( ${#tests[@]} == 0 )); then
  tests=(FormatFuzzTest#formatStrings DescriptorFuzzTest#descriptors SharedArrayFileFuzzTest#attachPatchedFiles)
fi

mvn_cmd=(mvn -B -q)
if [[ -e /tmp/mvn.lock ]] && command -v flock > /dev/null; then
  mvn_cmd=(flock /tmp/mvn.lock "${mvn_cmd[@]}")
fi
reports=core/target/surefire-reports

total_findings=0
summary=()
for t in "${tests[@]}"; do
  class="${t%%#*}"
  method="${t#*#}"
  source=$(find core/src/test/java -name "$class.java" | head -1)
  if [[ -z "$source" ]]; then
    echo "fuzz.sh: no fuzz test class '$class' under core/src/test/java" >&2
    exit 2
  fi
  package_dir=$(dirname "${source#core/src/test/java/}")
  crash_dir="core/src/test/resources/$package_dir/${class}Inputs/$method"
  mkdir -p "$crash_dir"
  before=$(find "$crash_dir" -name 'crash-*' | sort)
  rm -f "$reports"/*"$class"-fuzz*
  echo "== $t: fuzzing for $seconds s"
  status=0
  # process-test-classes first (compiles, and copies the test classes surefire runs from), in the same invocation: its
  # validate phase selects the JDK 25 toolchain the fork runs on.
  JAZZER_FUZZ=1 "${mvn_cmd[@]}" -pl core process-test-classes surefire:test@fuzz -Dtest="$t" -Djazzer.max_duration="${seconds}s" \
    > "core/target/fuzz-$class.log" 2>&1 || status=$?
  log="core/target/fuzz-$class.log"
  # libFuzzer writes to the fork's native stderr, which surefire passes to Maven's output (the log): its closing line
  # is "Done 1234567 runs in 60 second(s)"; after a finding, the last status line "#N ..." counts the inputs.
  runs=$(grep -aoE '^Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  if [[ -z "$runs" ]]; then
    runs=$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  fi
  rate=$(grep -aoE 'exec/s: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  after=$(find "$crash_dir" -name 'crash-*' | sort)
  new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
  findings=$(echo -n "$new" | grep -c . || true)
  if (( status != 0 && findings == 0 )); then
    findings=1 # a failure without a crash file (e.g. the JVM died): see the log
  fi
  total_findings=$((total_findings + findings))
  line="$t: ${runs:-?} inputs in ${seconds} s (${rate:-?} exec/s), $findings finding(s)"
  summary+=("$line")
  echo "$line"
  if (( findings > 0 )); then
    [[ -n "$new" ]] && echo "$new" | sed 's/^/   new regression input: /'
    grep -aE 'FuzzTestFinding|Exception|Error' "$log" | head -5 | sed 's/^/   /'
    echo "   log: $log"
  fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
echo "findings: $total_findings"
(( total_findings == 0 ))
