#!/usr/bin/env bash
# Stop at once, with what to install, when Python 3.11+ or Java 17+ is missing.
set -u
fail=0
if ! bash "$(dirname "$0")/find_python.sh" >/dev/null; then
  echo "需要 Python 3.11 或 3.12 / GridWatch needs Python 3.11 or 3.12 (found: $(python3 --version 2>&1))." >&2
  echo "  Install it, e.g. 'apt-get install python3.11 python3.11-venv' or pyenv, then run make again." >&2
  fail=1
fi
if ! bash "$(dirname "$0")/find_java.sh" >/dev/null; then
  echo "需要 Java 17 或更高版本 / GridWatch needs Java 17 or newer for Spark (found: $(java -version 2>&1 | head -1))." >&2
  echo "  Install it, e.g. 'apt-get install openjdk-17-jre-headless', or set JAVA_HOME to a JDK 17+." >&2
  fail=1
fi
exit $fail
