#!/usr/bin/env bash
# What the tests need on a fresh Debian machine, installed only when missing: gcc (the samples' and tests' small C
# libraries), Maven, setpriv (util-linux, essential on Debian; the permission test's child JVM as another user), and
# the C libraries the JNA interop proves itself against. A JDK 25 must already be installed beside the default java
# (Debian 12 does not package one); without it the build stops at its first step and says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
if ((${#need[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi

bash .ci/install-native-libs.sh
