#!/usr/bin/env bash
# Runs the cross-process tests of shared arrays (org.indirectbuffer.space) on their own: child JVMs attaching to
# arrays this JVM made (dense, and indirect through the suboffset rule and a C function given the process-local T**),
# four processes racing create/attach/delete on one name, truncation under a child's warm kernels, orphans, the Python
# peer (test-scripts/shm_peer.py) both ways, the command-line tool, and who may attach (as root: a child JVM run as
# uid 65534 through setpriv). `mvn -B verify` runs them too.
#
# Needs Linux (/dev/shm), gcc for the C function and python3 for the peer (each test that lacks one is skipped and
# says so). Usage: test-scripts/shm-tests.sh      Exit status: Maven's (0 when every test passed).
# Maven runs under `flock /tmp/mvn.lock` when that file exists.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn_cmd=(mvn -B -q)
if [[ -e /tmp/mvn.lock ]] && command -v flock > /dev/null; then
  mvn_cmd=(flock /tmp/mvn.lock "${mvn_cmd[@]}")
fi
tests='SharedArraysCrossProcessTest,SharedArraysPermissionTest,SharedArraysPythonPeerTest,SharedArrayToolTest'
status=0
"${mvn_cmd[@]}" -pl core -am test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false || status=$?
for report in core/target/surefire-reports/TEST-org.indirectbuffer.space.*.xml; do
  [[ -e "$report" ]] || continue
  grep -o 'name="[^"]*" time="[^"]*" tests="[0-9]*" errors="[0-9]*" skipped="[0-9]*" failures="[0-9]*"' "$report" \
    | head -1
done
exit "$status"
