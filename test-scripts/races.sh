#!/usr/bin/env bash
# Runs core's race tests (org.indirectbuffer.races.RacesTest: close, resize, reinterpretData, makeReadOnly and window
# moves racing readers, writers and kernels on other threads) under each JIT mode of HotSpot -- the default, -Xint,
# -XX:TieredStopAtLevel=1 (C1 only) and -XX:-TieredCompilation (C2 only) -- and prints for each mode the race rounds,
# the time, the exceptions the workers saw by type, the crashes and the leaks.
#
# The normal build runs the same class with 100 000 rounds under the default JIT and under C1 (core's default-test
# and 'races' surefire executions). Here Maven runs once, under `flock /tmp/mvn.lock` when that file exists, only to
# compile and to write the test class path; each mode then runs in a plain `java` process (RaceRunner), so that the
# long runs do not hold the lock other builds wait for. A crash is a JVM that dies: a non-zero exit without the
# runner's verdict, or an hs_err file (written to core/target/races/). Leaks are the native bytes a scenario left
# allocated and the leak extension's verdict (open owners and views after the class).
#
# Usage: test-scripts/races.sh [rounds [mode ...]]   (default: 1000000 rounds per mode, every mode)
#        modes: default xint c1 c2
#        RACES_SKIP_BUILD=1 reuses the classes of the last build (core/target/races/build), when Maven's lock is busy.
# Exit status: 0 when every mode passed (no failure, crash or leak).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-1000000}"
shift || true
rounds="${rounds//_/}"
if [[ ! "$rounds" =~ ^[0-9]+$ ]] || (( rounds < 1 )); then
  echo "races.sh: rounds must be a positive integer, got '$1'" >&2
  exit 2
fi
modes=("$@")
if (( ${#modes[@]} == 0 )); then
  modes=(default xint c1 c2)
fi
flags_of() {
  case "$1" in
    default) echo "" ;;
    xint) echo "-Xint" ;;
    c1) echo "-XX:TieredStopAtLevel=1" ;;
    c2) echo "-XX:-TieredCompilation" ;;
    *) echo "races.sh: unknown mode '$1' (expected default, xint, c1 or c2)" >&2; return 2 ;;
  esac
}
for m in "${modes[@]}"; do flags_of "$m" > /dev/null; done

# The JDK 25 the build selects (the toolchain); JAVA_HOME first, then the usual places.
find_jdk() {
  local home v
  for home in "${RACES_JDK:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [[ -n "$home" && -x "$home/bin/java" && -f "$home/release" ]] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    if [[ -n "$v" ]] && (( v >= 25 )); then
      echo "$home"
      return 0
    fi
  done
  return 1
}
jdk=$(find_jdk) || { echo "races.sh: no JDK 25 or newer found (set RACES_JDK to one)" >&2; exit 2; }

mvn_cmd=(mvn -B -q)
if [[ -e /tmp/mvn.lock ]] && command -v flock > /dev/null; then
  mvn_cmd=(flock /tmp/mvn.lock "${mvn_cmd[@]}")
fi
out=core/target/races
snapshot="$out/build"
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.log
if [[ -n "${RACES_SKIP_BUILD:-}" && -f "$snapshot/classpath" ]]; then
  echo "== reusing the classes built before in $snapshot (RACES_SKIP_BUILD)"
else
  echo "== building core's tests and their class path"
  # process-test-classes: its validate phase selects the JDK 25 toolchain, and it compiles the tests.
  "${mvn_cmd[@]}" -pl core process-test-classes \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile="$PWD/$out/dependencies" -Dmdep.includeScope=test > "$out/build.log" 2>&1 \
    || { echo "races.sh: the build failed; see $out/build.log" >&2; tail -20 "$out/build.log" >&2; exit 2; }
  # A copy of what was built, so that a build of this tree while the modes run cannot change it under them.
  rm -rf "$snapshot"
  mkdir -p "$snapshot"
  cp -r core/target/classes "$snapshot/classes"
  cp -r core/target/test-classes "$snapshot/test-classes"
  echo "$snapshot/classes:$snapshot/test-classes:$(cat "$out/dependencies")" > "$snapshot/classpath"
fi
cp=$(cat "$snapshot/classpath")

failed=0
summary=()
for m in "${modes[@]}"; do
  read -r -a mode_flags <<< "$(flags_of "$m")"
  report="$out/$m.txt"
  log="$out/$m.log"
  echo "== $m (${mode_flags[*]:-no flag}): $rounds rounds"
  start=$(date +%s)
  status=0
  "$jdk/bin/java" "${mode_flags[@]}" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -XX:ErrorFile="$PWD/$out/hs_err_${m}_%p.log" \
    -Dindirectbuffer.race.iterations="$rounds" -Dindirectbuffer.race.report="$report" \
    -cp "$cp" org.indirectbuffer.races.RaceRunner > "$log" 2>&1 || status=$?
  seconds=$(( $(date +%s) - start ))
  crashes=$(find "$out" -name "hs_err_${m}_*.log" | wc -l)
  if (( status != 0 )) && ! grep -q '^RACES FAILED' "$log"; then
    crashes=$((crashes > 0 ? crashes : 1)) # the JVM died before the runner's verdict
  fi
  done_rounds=0
  lost=0
  unexpected=0
  declare -A by_type=()
  if [[ -f "$report" ]]; then
    while read -r line; do
      r=$(sed -n 's/.* rounds=\([0-9]*\).*/\1/p' <<< "$line")
      b=$(sed -n 's/.* bytesLost=\([0-9]*\).*/\1/p' <<< "$line")
      u=$(sed -n 's/.* unexpected=\([0-9]*\).*/\1/p' <<< "$line")
      done_rounds=$((done_rounds + ${r:-0}))
      lost=$((lost + ${b:-0}))
      unexpected=$((unexpected + ${u:-0}))
      ex=$(sed -n 's/.* exceptions={\([^}]*\)}.*/\1/p' <<< "$line")
      IFS=',' read -r -a pairs <<< "$ex"
      for p in "${pairs[@]}"; do
        [[ -n "$p" ]] || continue
        by_type[${p%%=*}]=$(( ${by_type[${p%%=*}]:-0} + ${p#*=} ))
      done
    done < <(grep '^RACE ' "$report")
  fi
  types=""
  for t in $(printf '%s\n' "${!by_type[@]}" | sort); do
    types+="${types:+, }$t ${by_type[$t]}"
  done
  unset by_type
  leak_check="passed"
  if grep -q " leaked (LeakCheckExtension\| native bytes lost" "$log"; then
    leak_check="FAILED (see $log)"
  fi
  verdict=PASSED
  if (( status != 0 || crashes > 0 || lost > 0 || unexpected > 0 )) || [[ $leak_check != passed ]]; then
    verdict=FAILED
    failed=1
  fi
  line="$m: $verdict, $done_rounds rounds in ${seconds} s; exceptions by type: ${types:-none}; undocumented: $unexpected; crashes: $crashes; leaks: $lost bytes, leak check $leak_check"
  summary+=("$line")
  echo "$line"
  if [[ $verdict == FAILED ]]; then
    grep -aE 'AssertionError|Exception|FAILED|hs_err' "$log" | head -10 | sed 's/^/   /'
    echo "   log: $log"
  fi
done
echo "== summary ($rounds rounds per mode, JDK $jdk)"
printf '%s\n' "${summary[@]}"
exit "$failed"
