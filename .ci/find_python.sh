#!/usr/bin/env bash
# Print a Python 3.11 or 3.12 interpreter.
for p in python3.11 python3.12 python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 12) else 1)'; then
    command -v "$p"; exit 0
  fi
done
exit 1
