#!/usr/bin/env bash
# Print a JAVA_HOME for Java 17 or newer: $JAVA_HOME if it qualifies, else one found on the machine.
major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
ok() { [ -x "$1/bin/java" ] && m=$(major "$1") && [ -n "$m" ] && [ "$m" -ge 17 ]; }
if [ -n "${JAVA_HOME:-}" ] && ok "$JAVA_HOME"; then echo "$JAVA_HOME"; exit 0; fi
for d in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk* /usr/lib/jvm/*17* /usr/lib/jvm/* /opt/java/*; do
  if ok "$d"; then echo "$d"; exit 0; fi
done
if command -v java >/dev/null; then
  d=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  if ok "$d"; then echo "$d"; exit 0; fi
fi
exit 1
