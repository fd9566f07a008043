#!/usr/bin/env bash
# npm test: the three tiers (unit, integration, vscode). Installs and starts what they need on a
# fresh machine, stops what it started, and exits non-zero when anything failed.
# usage: bash scripts/test.sh [unit] [integration] [vscode]     (default: all three)
set -uo pipefail
cd "$(dirname "$0")/.."
tiers=("$@"); [ ${#tiers[@]} -eq 0 ] && tiers=(unit integration vscode)
failed=()
started_backend=0
step() { printf '\n== %s\n' "$*"; }

started_engine26=0
cleanup() {
  if [ "$started_backend" = 1 ]; then step "stopping the stand-ins this run started"; bash scripts/backend.sh down || true
  elif [ "$started_engine26" = 1 ]; then step "stopping the second engine this run started"; bash scripts/backend.sh down engine26 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "dependencies and build"
# A node_modules that is a link (a git worktree sharing another checkout's) is never reinstalled:
# npm ci would empty the folder it points to, under every checkout that shares it.
if [ -L node_modules ]; then
  [ package-lock.json -nt node_modules/.package-lock.json ] &&
    echo "note: node_modules is a link to $(readlink node_modules) and older than package-lock.json; run npm ci there"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "npm ci failed"; exit 1; }
fi
npm run --silent build >/dev/null && npm run --silent compile-tests || { echo "build failed: 0 passed, 1 failed"; exit 1; }

needs_backend() { for t in "${tiers[@]}"; do [ "$t" != unit ] && return 0; done; return 1; }
if needs_backend; then
  step "stand-ins (Docker engine, registry, moto)"
  # Leave a backend that was already running (e.g. `npm run backend up` by a developer) as it was.
  # (Read the status first: `grep -q` in a pipe would end it early and, with pipefail, look like "down".)
  status=$(bash scripts/backend.sh status 2>/dev/null || true)
  if ! grep -q '^moto: up' <<<"$status"; then started_backend=1; fi
  # A running backend without the second engine (started before backend.sh had it) gets it for this run only.
  if ! grep -q '^engine26: up' <<<"$status"; then started_engine26=1; fi
  bash scripts/backend.sh up || { echo "backend: 0 passed, 1 failed"; exit 1; }
  eval "$(bash scripts/backend.sh env)"
fi

for tier in "${tiers[@]}"; do
  case "$tier" in
    unit)
      step "unit tier: static checks, then mocha"
      ok=0; bad=0
      for check in "npm run --silent typecheck" "npx eslint ." "npx prettier --check --log-level warn ." "node scripts/check-commands.mjs" "npm run --silent check-layers"; do
        if $check; then ok=$((ok + 1)); else bad=$((bad + 1)); echo "static check failed: $check"; fi
      done
      echo "static checks: $ok passed, $bad failed"
      checks=$bad
      node scripts/run-mocha.mjs unit out/test/unit && [ $checks = 0 ] || failed+=(unit)
      ;;
    integration)
      step "integration tier: against the stand-ins"
      node scripts/run-mocha.mjs integration out/test/integration 180000 || failed+=(integration)
      ;;
    vscode)
      step "vscode tier: extension host in code-server, then the UI smoke test in Chromium"
      bash scripts/install-code-server.sh && node scripts/vscode-tests.mjs || failed+=(vscode)
      # The demo's whole story (Run Locally, Submit, Runs, logs, download) on the packaged extension, 1-2 min.
      step "vscode tier: the demo, played in Chromium (npm run demo -- --once)"
      if ! DEMO_PORT=${DEMO_PORT:-18090} bash scripts/demo.sh --once; then
        [[ " ${failed[*]} " == *" vscode "* ]] || failed+=(vscode)
      fi
      ;;
    *) echo "unknown tier: $tier (use unit, integration, vscode)"; failed+=("$tier") ;;
  esac
done

step "result"
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED tiers: ${failed[*]}"; exit 1; fi
echo "all tiers passed: ${tiers[*]}"
