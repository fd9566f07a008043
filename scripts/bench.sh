#!/usr/bin/env bash
# npm run bench [-- NAME]: runs bench/NAME.mjs (or every benchmark); each prints one JSON line on stdout.
# Progress and logs go to stderr, so `npm run --silent bench -- NAME > result.json` keeps only the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund >&2; fi
available=$(ls bench/*.mjs | xargs -n1 basename | sed 's/\.mjs$//')
names=("$@"); [ ${#names[@]} -eq 0 ] && mapfile -t names <<<"$available"
for name in "${names[@]}"; do
  if [ ! -f "bench/$name.mjs" ]; then echo "unknown benchmark: $name (available: $(echo $available))" >&2; exit 2; fi
  node "bench/$name.mjs"
done
