#!/usr/bin/env bash
# Installs the C libraries that the JNA interop tests and samples prove themselves against: libsvm, liblinear,
# libsoxr, librubberband and libFLAC (Debian packages; the -dev packages pull in the runtime libraries
# libsvm.so.3, liblinear.so.4, libsoxr.so.0, librubberband.so.2 and libFLAC.so.12, and add the headers), and
# jemalloc (libjemalloc2), the interposed allocator core's InterposedAllocatorTest runs a JVM under. Without them
# those tests skip.
# Installs only what is missing; does nothing when everything is there.
set -euo pipefail

packages=(libsvm-dev liblinear-dev libsoxr-dev librubberband-dev libflac-dev libjemalloc2)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-native-libs: ${packages[*]} already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-native-libs: no apt-get here; install ${missing[*]} (or your system's libsvm, liblinear, libsoxr," \
       "librubberband, libFLAC) yourself, or the tests that need them skip" >&2
  exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-native-libs: not root and no sudo; cannot install ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
