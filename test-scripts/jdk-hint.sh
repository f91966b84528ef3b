#!/bin/sh
# Run by the build (validate phase) before maven-toolchains-plugin selects a JDK 25.
# Prints what to install when no JDK 25 or newer is found where JDKs usually live; never fails by itself:
# the toolchains plugin, which searches more places, decides. Arguments: the minimum major version.
min=${1:-25}
found=""
for home in "$JAVA_HOME" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
            "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
  [ -n "$home" ] && [ -f "$home/release" ] || continue
  v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  if [ -n "$v" ] && [ "$v" -ge "$min" ] 2>/dev/null; then found="$home"; break; fi
done
if [ -z "$found" ] && ! grep -qs "<version>$min" "$HOME/.m2/toolchains.xml"; then
  cat >&2 <<MSG
[ERROR] indirect-buffer needs a JDK $min or newer (java.lang.foreign and jdk.incubator.vector), and none was found.
[ERROR] Install one beside your default java, for example Temurin $min (apt: temurin-$min-jdk from the Adoptium
[ERROR] repository; SDKMAN: sdk install java $min-tem), or point JAVA_HOME at it, then run the command again.
MSG
fi
exit 0
