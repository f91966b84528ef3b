#!/usr/bin/env bash
# The consumer test: uses indirect-buffer the way an application does, from a Maven repository, by coordinates.
#
#  1. deploys the library (parent, BOM, core, collection, JNA; with the release profile's sources and javadoc jars)
#     into a throw-away file:// repository, and checks what was published;
#  2. builds test-scripts/consumer, a separate Maven project that imports the BOM, twice: as a class-path application
#     (without its module-info.java) and as a named module;
#  3. compiles its C library (src/main/c/matrices.c) with gcc, and runs the application with a JDK 25 under
#     --illegal-native-access=deny: on the class path, and on the module path with the README's flag set for each
#     combination of modules (core alone; core + collection; with JNA), checking the results it prints, its exit
#     status and that it prints no warning but the JDK's "Using incubator modules" notice; then again with each
#     module left out of the flag set, which must fail, so every module the README lists is needed.
#
# Nothing is written to ~/.m2: both builds use a local repository in the scratch directory, which reads the
# third-party artifacts already in ~/.m2/repository as a read-only file:// repository before Maven Central
# (CONSUMER_TEST_SEED=none resolves everything from Central). Maven runs under `flock /tmp/mvn.lock` when that file
# exists (machines where several builds share the cores). Needs: Maven, gcc, a JDK 25 where jdk-hint.sh looks, or in
# CONSUMER_TEST_JDK. Usage: test-scripts/consumer-test.sh [--keep]  (--keep leaves the scratch directory).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
keep=false
[[ ${1:-} == --keep ]] && keep=true

work=$(mktemp -d "${TMPDIR:-/tmp}/indirect-buffer-consumer.XXXXXX")
cleanup() { if $keep; then echo "consumer-test: scratch directory kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

started=$SECONDS
step_started=$SECONDS
step_wait=0
step() { echo "consumer-test: [$((SECONDS - started)) s] $*"; step_started=$SECONDS; step_wait=$lock_wait; }
took() {
  local waited=$((lock_wait - step_wait))
  echo "consumer-test:   took $((SECONDS - step_started - waited)) s$( ((waited)) && echo " (and $waited s waiting for the Maven lock)")"
}
fail() { echo "consumer-test: FAIL: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------- set-up

find_jdk() {
  local home v
  for home in "${CONSUMER_TEST_JDK:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
              "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [[ -n $home && -x $home/bin/java && -f $home/release ]] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    if [[ -n $v ]] && ((v >= 25)); then echo "$home"; return 0; fi
  done
  return 1
}
jdk=$(find_jdk) || fail "no JDK 25 or newer found (set CONSUMER_TEST_JDK to one)"
java=$jdk/bin/java

lock_wait=0   # seconds spent waiting for other builds' Maven lock, left out of the timings printed
mvn_run() {
  if [[ -e /tmp/mvn.lock ]] && command -v flock >/dev/null 2>&1; then
    local fd t=$SECONDS status=0
    exec {fd}>>/tmp/mvn.lock
    flock "$fd"
    lock_wait=$((lock_wait + SECONDS - t))
    mvn "$@" {fd}>&- || status=$?
    exec {fd}>&-
    return $status
  fi
  mvn "$@"
}

version=$(sed -n '/<artifactId>indirect-buffer-parent<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' \
  "$root/pom.xml")
[[ -n $version ]] || fail "could not read the version from $root/pom.xml"
bom_version=$(sed -n '/<artifactId>indirect-buffer-bom<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' \
  "$root/bom/pom.xml")
[[ $bom_version == "$version" ]] || fail "bom/pom.xml has version $bom_version, the parent $version"

repo=$work/repo          # where the library is deployed: the consumer's only source of org.indirectbuffer
local_repo=$work/m2      # the local repository of every build here
seed=${CONSUMER_TEST_SEED:-$HOME/.m2/repository}
mkdir -p "$repo" "$local_repo"
{
  echo "<settings><profiles><profile><id>consumer-test</id><repositories>"
  echo "<repository><id>consumer-test</id><url>file://$repo</url>"
  echo "  <snapshots><enabled>true</enabled><updatePolicy>always</updatePolicy></snapshots></repository>"
  if [[ $seed != none && -d $seed ]]; then
    # Releases only: snapshots in a local repository (ours among them) are never read from it.
    echo "<repository><id>seed</id><url>file://$seed</url><snapshots><enabled>false</enabled></snapshots>"
    echo "  <releases><checksumPolicy>ignore</checksumPolicy></releases></repository>"
  fi
  echo "</repositories><pluginRepositories>"
  if [[ $seed != none && -d $seed ]]; then
    echo "<pluginRepository><id>seed</id><url>file://$seed</url><snapshots><enabled>false</enabled></snapshots>"
    echo "  <releases><checksumPolicy>ignore</checksumPolicy></releases></pluginRepository>"
  fi
  echo "</pluginRepositories></profile></profiles><activeProfiles><activeProfile>consumer-test</activeProfile>"
  echo "</activeProfiles></settings>"
} >"$work/settings.xml"
mvn_flags=(-B -q -s "$work/settings.xml" -Dmaven.repo.local="$local_repo")

echo "consumer-test: indirect-buffer $version, JDK $jdk, scratch $work"

# The README's three examples are the consumer's code (the lines between "// README n" markers in Jobs.java): every
# one of those lines must be in the README as it is in the code, 8 columns to the left.
jobs_java=$root/test-scripts/consumer/src/main/java/example/consumer/Jobs.java
for n in 1 2 3; do
  while IFS= read -r line; do
    grep -qxF -- "$line" "$root/README.md" || fail "README.md lacks this line of example $n (from $jobs_java): $line"
  done < <(sed -n "/\/\/ README $n\$/,/\/\/ README $n end/p" "$jobs_java" | sed '1d;$d;s/^        //')
done

# ------------------------------------------------------------------------------------------ 1. publish the library

step "deploying the library into file://$repo (release profile: sources and javadoc jars)"
# Maven itself runs on the JDK 25 here: the javadoc plugin reads the release-25 class files in Maven's own JVM, which
# fails under an older one ("Unsupported major.minor version 69.0"; issue 14, the JDK set-ups part).
JAVA_HOME=$jdk PATH=$jdk/bin:$PATH mvn_run "${mvn_flags[@]}" -f "$root/pom.xml" -Prelease -DskipTests \
  -pl '!samples' deploy -DaltDeploymentRepository="consumer-test::file://$repo" >"$work/deploy.log" 2>&1 \
  || { cat "$work/deploy.log"; fail "mvn deploy of the library failed"; }
took

published() {   # published <artifactId> <suffix: .pom, .jar, -sources.jar, -javadoc.jar>: prints the file
  local dir=$repo/org/indirectbuffer/$1/$version f
  for f in "$dir/$1"-*"$2"; do
    [[ -f $f ]] || continue
    [[ $2 == .jar && ($f == *-sources.jar || $f == *-javadoc.jar || $f == *-tests.jar) ]] && continue
    echo "$f"
    return 0
  done
  fail "$1: no $2 published in $dir"
}
for a in indirect-buffer-core indirect-buffer-collection indirect-buffer-jna; do
  for suffix in .pom .jar -sources.jar -javadoc.jar; do
    f=$(published "$a" "$suffix")
    [[ $suffix == .pom ]] || "$jdk/bin/jar" --list --file "$f" >/dev/null || fail "$f is not a valid jar"
  done
  module=$("$jdk/bin/jar" --describe-module --file "$(published "$a" .jar)" | head -1)
  [[ $module == org.indirectbuffer.* ]] || fail "$a.jar is not a modular jar: $module"
  echo "consumer-test:   $a: jar (module ${module%% *}), pom, sources, javadoc"
done
for a in indirect-buffer-parent indirect-buffer-bom; do
  pom=$(published "$a" .pom)
  for element in '<url>' '<license>' '<scm' '<developer>' '<description>' '<name>'; do
    grep -q "$element" "$pom" || fail "$a's POM has no $element, which Maven Central requires"
  done
done
for unpublished in indirect-buffer-samples indirect-buffer-benchmarks; do
  [[ ! -e $repo/org/indirectbuffer/$unpublished ]] || fail "$unpublished was published"
done
echo "consumer-test:   parent and BOM POMs: name, description, URL, license, SCM, developers"

# ---------------------------------------------------------------------------------------- 2. build the consumer

step "building the consumer project twice (class path; module path with module-info.java)"
for variant in classpath modulepath; do
  app=$work/$variant
  cp -r "$root/test-scripts/consumer" "$app"
  rm -rf "$app/target"
  [[ $variant == modulepath ]] || rm "$app/src/main/java/module-info.java"
  # Maven on the JDK 25, as for an application of Java 25: the jar plugin makes a modular jar with the jar tool of
  # Maven's own JVM, which cannot read release-25 class files when it is older (the library's parent works around
  # it, see its modular-jar execution; an application would not).
  JAVA_HOME=$jdk PATH=$jdk/bin:$PATH mvn_run "${mvn_flags[@]}" -f "$app/pom.xml" -Dindirectbuffer.version="$version" \
    package \
    >"$work/build-$variant.log" 2>&1 || { cat "$work/build-$variant.log"; fail "the $variant consumer did not build"; }
  if grep -E '\[WARNING\]|\[ERROR\]' "$work/build-$variant.log"; then
    fail "the $variant consumer's build printed warnings"
  fi
done
took

mkdir -p "$work/native" "$work/jna-tmp"
gcc -shared -fPIC -O2 -Wall -Werror -o "$work/native/libmatrices.so" "$root/test-scripts/consumer/src/main/c/matrices.c"

# ------------------------------------------------------------------------------------------ 3. run the consumer

incubator_notice='WARNING: Using incubator modules: jdk.incubator.vector'
runs=0

# run_app <name> <expect: ok|ok-scalar|denied:<module>> <jobs> -- <java arguments...>
run_app() {
  local name=$1 expect=$2 jobs=$3 out=$work/run-$1.out err=$work/run-$1.err status=0 job
  shift 4
  runs=$((runs + 1))
  "$java" --illegal-native-access=deny -Dconsumer.lib="$work/native/libmatrices.so" -Djna.tmpdir="$work/jna-tmp" \
    "$@" $jobs >"$out" 2>"$err" || status=$?
  show() { echo "--- command: $java --illegal-native-access=deny ... $* $jobs"; echo "--- stdout:"; cat "$out"; \
           echo "--- stderr:"; cat "$err"; }
  case $expect in
    ok | ok-scalar)
      ((status == 0)) || { show "$@"; fail "$name: exit status $status"; }
      for job in $jobs; do grep -qx "PASS $job" "$out" || { show "$@"; fail "$name: no 'PASS $job'"; }; done
      if [[ $expect == ok ]]; then
        grep -qx 'kernels simd .*' "$out" || { show "$@"; fail "$name: the SIMD kernels did not run"; }
        # The one line the JVM prints when jdk.incubator.vector is added; anything else is unexpected.
        [[ $(cat "$err") == "$incubator_notice" ]] || { show "$@"; fail "$name: unexpected output on stderr"; }
      else
        grep -qx 'kernels scalar' "$out" || { show "$@"; fail "$name: expected the scalar kernels"; }
        # Without the Vector API: java.util.logging's two lines (source, then INFO: the message), nothing else.
        [[ $(grep -c . "$err") == 2 ]] \
          && grep -qx 'INFO: indirect-buffer: jdk.incubator.vector is not present, bulk kernels run scalar; start the JVM with --add-modules jdk.incubator.vector to enable SIMD' "$err" \
          || { show "$@"; fail "$name: expected only the scalar-kernels log line on stderr"; }
      fi
      echo "consumer-test:   ok      $name: $(tr '\n' ' ' <"$out")"
      ;;
    denied:*)
      local module=${expect#denied:}
      ((status != 0)) || { show "$@"; fail "$name: ran without native access for $module"; }
      local pattern=$module
      [[ $module == ALL-UNNAMED ]] && pattern='unnamed module'
      grep -q "IllegalCallerException.*$pattern" "$err" \
        || { show "$@"; fail "$name: expected an IllegalCallerException naming $module"; }
      echo "consumer-test:   refused $name: $(grep -m1 -o 'IllegalCallerException.*' "$err" | cut -c1-150)"
      ;;
  esac
}

step "running on the class path under --illegal-native-access=deny"
cp_path="$work/classpath/target/classes:$work/classpath/target/lib/*"
vector=(--add-modules jdk.incubator.vector)
run_app classpath ok "core collection jna" -- "${vector[@]}" --enable-native-access=ALL-UNNAMED \
  -cp "$cp_path" example.consumer.Main
run_app classpath-without-vector-api ok-scalar "core collection jna" -- --enable-native-access=ALL-UNNAMED \
  -cp "$cp_path" example.consumer.Main
run_app classpath-without-native-access denied:ALL-UNNAMED "core" -- "${vector[@]}" -cp "$cp_path" example.consumer.Main
took

step "running on the module path under --illegal-native-access=deny, each combination with its README flag set"
mp_path="$work/modulepath/target/lib:$work/modulepath/target/indirect-buffer-consumer-1.0.jar"
app_module=example.consumer
declare -A flag_sets=(
  [core]="org.indirectbuffer.core,$app_module"
  [collection]="org.indirectbuffer.core,$app_module"
  [jna]="org.indirectbuffer.core,org.indirectbuffer.jna,com.sun.jna,$app_module"
)
declare -A combination_jobs=([core]="core" [collection]="core collection" [jna]="core collection jna")
for combination in core collection jna; do
  set_=${flag_sets[$combination]}
  run_app "modulepath-$combination" ok "${combination_jobs[$combination]}" -- "${vector[@]}" \
    --enable-native-access="$set_" -p "$mp_path" -m "$app_module/example.consumer.Main"
  IFS=, read -ra members <<<"$set_"
  for left_out in "${members[@]}"; do
    rest=$(IFS=,; for m in "${members[@]}"; do [[ $m == "$left_out" ]] || echo "$m"; done | paste -sd,)
    run_app "modulepath-$combination-without-$left_out" "denied:$left_out" "${combination_jobs[$combination]}" -- \
      "${vector[@]}" --enable-native-access="$rest" -p "$mp_path" -m "$app_module/example.consumer.Main"
  done
done
took

step "PASS: $runs runs; the artifacts are usable by coordinates on the class path and the module path"
((lock_wait == 0)) || echo "consumer-test:   (of which $lock_wait s waiting for the Maven lock)"
