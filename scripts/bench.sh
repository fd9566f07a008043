#!/usr/bin/env bash
# npm run bench [-- NAME]: runs bench/NAME.mjs (or every benchmark); each prints one JSON line on stdout.
# Progress and logs go to stderr, so `npm run --silent bench -- NAME > result.json` keeps only the JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund >&2; fi
available=$(ls bench/*.mjs | xargs -n1 basename | sed 's/\.mjs$//')
names=("$@"); [ ${#names[@]} -eq 0 ] && mapfile -t names <<<"$available"
started_backend=0
cleanup() { if [ "$started_backend" = 1 ]; then bash scripts/backend.sh down >&2 || true; fi; }
trap cleanup EXIT
for name in "${names[@]}"; do
  if [ ! -f "bench/$name.mjs" ]; then echo "unknown benchmark: $name (available: $(echo $available))" >&2; exit 2; fi
  # Benchmarks that read the stand-ins' endpoint get the stand-ins, started here when none run.
  if grep -q standInEndpoint "bench/$name.mjs" && [ -z "${AWS_ENDPOINT_URL:-}" ]; then
    status=$(bash scripts/backend.sh status 2>/dev/null || true)
    if ! grep -q '^moto: up' <<<"$status"; then started_backend=1; fi
    bash scripts/backend.sh up >&2
    eval "$(bash scripts/backend.sh env)"
  fi
  # The peer a benchmark measures against is installed here when missing (log-latency: AWS CLI v2).
  if grep -q AWS_CLI_V2 "bench/$name.mjs" && [ -z "${AWS_CLI_V2:-}" ] && [ ! -x /usr/bin/aws ]; then
    echo "bench: installing the AWS CLI v2 (Debian awscli) for $name" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends awscli >&2
  fi
  node "bench/$name.mjs"
done
