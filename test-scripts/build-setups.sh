#!/usr/bin/env bash
# Builds the project (package, no tests) and its javadoc under every JDK set-up users switch Maven's JDK with,
# for each one this machine can form:
#   old-default   : an older JDK (the default java, e.g. 17) first on PATH, JAVA_HOME unset
#   home-25-path-old : JAVA_HOME = a JDK 25+, the older java/jar still first on PATH
#   path-25       : the JDK 25+ first on PATH and as JAVA_HOME
# The build itself must find the JDK 25 in every one (maven-toolchains-plugin). Fails naming every set-up that broke.
# Offline (-o) when the local repository already has what the build needs, online otherwise.
# Usage: test-scripts/build-setups.sh [extra maven arguments]; BUILD_SETUPS_JAVADOC=0 skips the javadoc.
set -uo pipefail
cd "$(dirname "$0")/.."
min=25
javadoc=${BUILD_SETUPS_JAVADOC:-1}

major() { sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$1/release" 2>/dev/null; }

# Every JDK home (one per real path) in the places the toolchains plugin and jdk-hint.sh look.
declare -A seen=()
old="" new=""
default_java=$(command -v java 2>/dev/null || true)
default_home=""
[ -n "$default_java" ] && default_home=$(dirname "$(dirname "$(readlink -f "$default_java")")")
for home in "$default_home" "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
            "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
  [ -n "$home" ] && [ -x "$home/bin/javac" ] && [ -x "$home/bin/jar" ] || continue
  real=$(readlink -f "$home"); [ -z "${seen[$real]:-}" ] || continue; seen[$real]=1
  v=$(major "$real"); [ -n "$v" ] || continue
  if [ "$v" -ge "$min" ]; then [ -n "$new" ] || new=$real
  else [ -n "$old" ] || old=$real; fi
done
echo "build-setups: older JDK: ${old:-none}; JDK $min+: ${new:-none}"
[ -n "$new" ] || { echo "build-setups: FAILED: no JDK $min or newer found" >&2; exit 1; }

# PATH without any JDK's bin directory, so each set-up decides which java/jar comes first.
clean_path=""
IFS=: read -ra parts <<<"$PATH"
for p in "${parts[@]}"; do
  [ -x "$p/javac" ] && [ "$(readlink -f "$p")" != /usr/bin ] && continue
  clean_path=${clean_path:+$clean_path:}$p
done

offline=""
goals=(-B -DskipTests package)
[ "$javadoc" = 1 ] && goals+=(javadoc:javadoc)
logdir=$(mktemp -d)
failed=()

run() { # name, JAVA_HOME ('' for unset), directory put first on PATH
  local name=$1 jh=$2 first=$3 log="$logdir/$1.log"; shift 3
  echo "build-setups: [$name] JAVA_HOME=${jh:-<unset>} PATH starts with $first/java ($(major "$(dirname "$first")"))"
  local envs=(env -u JAVA_HOME PATH="$first:$clean_path")
  [ -n "$jh" ] && envs+=(JAVA_HOME="$jh")
  "${envs[@]}" mvn $offline "${goals[@]}" "$@" >"$log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ] && [ -n "$offline" ] && grep -q 'offline mode' "$log"; then
    echo "build-setups: [$name] offline resolution failed, retrying online"
    "${envs[@]}" mvn "${goals[@]}" "$@" >"$log" 2>&1; rc=$?
  fi
  # javadoc warnings count as a failure too (the javadoc plugin is also set to fail on them).
  local warnings; warnings=$(grep -c -E '^\[WARNING\] .*\.java:[0-9]+: warning' "$log")
  if [ $rc -ne 0 ] || [ "$warnings" -gt 0 ]; then
    echo "build-setups: [$name] FAILED (exit $rc, $warnings javadoc warnings); first errors, full log in $log:" >&2
    { grep -E '^\[ERROR\]|: warning' "$log" || tail -20 "$log"; } | head -20 >&2
    failed+=("$name")
  else
    echo "build-setups: [$name] passed"
  fi
}

[ -d "$HOME/.m2/repository" ] && offline=-o
if [ -n "$old" ]; then
  run old-default "" "$old/bin" "$@"
  run home-$min-path-old "$new" "$old/bin" "$@"
else
  echo "build-setups: no JDK older than $min found: skipping old-default and home-$min-path-old"
fi
run path-$min "$new" "$new/bin" "$@"

if ((${#failed[@]})); then
  echo "build-setups: FAILED set-ups: ${failed[*]} (logs in $logdir)" >&2
  exit 1
fi
echo "build-setups: every set-up passed"
rm -rf "$logdir"
