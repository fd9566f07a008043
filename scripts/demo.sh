#!/usr/bin/env bash
# Demo: the packaged extension in a real VS Code (code-server) against the local stand-ins, on a
# small Python project (demo/workspace: a Monte Carlo estimate of pi over 24 inputs).
#
#   bash scripts/demo.sh          # start everything, print the URL, run until Ctrl+C (or SIGTERM)
#   bash scripts/demo.sh --once   # start everything, play the whole story in Chromium, stop, exit 0 / non-zero
#
# Steps: stand-ins (scripts/backend.sh up) -> npm run build -> npm run package (aws-batch-runner.vsix)
# -> install the vsix into a fresh extensions dir -> code-server on 127.0.0.1:${DEMO_PORT:-8080} with
# the stand-ins' environment and settings (endpoint, region, registry, runtime Node image preset in
# the demo's user settings), opening .work/demo/workspace (copied from demo/workspace the first time;
# your changes there are kept). --once uses a fresh copy (.work/demo/workspace-once) and runs
# scripts/demo-check.mjs: Run Locally -> Submit to Batch -> Runs view -> Show Run Logs -> Download
# Results -> results.jsonl, screenshots in test-results/screenshots/demo-*.png; then, on a copy without
# aws-batch.json (.work/demo/workspace-wizard-once): Create Run Configuration with every default ->
# Submit -> every worker SUCCEEDED -> Download Results (tasks/<i>/stdout.log, results.jsonl),
# screenshots wizard-*.png.
# SIGINT or SIGTERM to this script, to npm, or to its code-server stops everything it started: the
# code-server (by its process group), the step running (its process group), the containers of local
# runs in the demo workspace and, if this run brought the stand-ins up, `backend.sh down` (a backend
# that was already running is left as it was).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

ONCE=0
case ${1:-} in
  --once) ONCE=1 ;;
  "") ;;
  -h | --help)
    sed -n '2,21p' "$0"
    exit 0
    ;;
  *)
    echo "usage: bash scripts/demo.sh [--once]" >&2
    exit 2
    ;;
esac

PORT=${DEMO_PORT:-8080}
URL=http://127.0.0.1:$PORT
D=$REPO/.work/demo
CS_DIR=${CODE_SERVER_DIR:-$REPO/.work/code-server}
CS=$CS_DIR/node_modules/.bin/code-server
VSIX=$REPO/aws-batch-runner.vsix
SHOTS=$REPO/test-results/screenshots
T0=$SECONDS

say() { printf '\n[demo] %s\n' "$*"; }
die() {
  printf '[demo] ERROR: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 30 "$2" >&2
  fi
  exit 1
}
healthy() { curl -fs -m 2 -o /dev/null "$URL/healthz"; }

WATCHPID="" # the watch on npm (see watch_npm)
CSPID=""   # code-server, leader of its own process group
STEPPID="" # the step running now (build, package, the check), leader of its own process group
WS=""
WIZARD_WS=""
STARTED_BACKEND=0
BACKEND_CHECKED=0

# stop_group PID NAME: SIGTERM to the process group PID leads, up to 10 s, then SIGKILL.
stop_group() {
  local pid=$1
  kill -0 -- "-$pid" 2>/dev/null || return 0
  say "stopping $2 (pid $pid and its process group)"
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

# The containers and networks of Run Locally's runs in the demo workspace (the run folder label
# says where a run lives), should the extension not have removed them when code-server stopped.
remove_local_runs() {
  [ -n "$WS" ] && command -v docker >/dev/null 2>&1 || return 0
  local id dir n=0
  while read -r id dir; do
    case $dir in
      "$WS"/*) docker rm -f -v "$id" >/dev/null 2>&1 && n=$((n + 1)) ;;
    esac
  done < <(docker ps -a --filter label=org.batch-runner.run-dir \
    --format '{{.ID}} {{.Label "org.batch-runner.run-dir"}}' 2>/dev/null || true)
  while read -r id dir; do
    case $dir in
      "$WS"/*) docker network rm "$id" >/dev/null 2>&1 || true ;;
    esac
  done < <(docker network ls --filter label=org.batch-runner.run-dir \
    --format '{{.ID}} {{.Label "org.batch-runner.run-dir"}}' 2>/dev/null || true)
  [ "$n" = 0 ] || echo "[demo] removed $n container(s) of local runs in $WS"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$WATCHPID" ]; then kill "$WATCHPID" 2>/dev/null && wait "$WATCHPID" 2>/dev/null || true; fi
  [ -z "$STEPPID" ] || stop_group "$STEPPID" "the running step"
  STEPPID=""
  [ -z "$CSPID" ] || stop_group "$CSPID" "code-server"
  CSPID=""
  remove_local_runs
  if [ "$STARTED_BACKEND" = 1 ]; then
    say "stopping the stand-ins this demo started"
    bash scripts/backend.sh down || true
  elif [ "$BACKEND_CHECKED" = 1 ]; then
    echo "[demo] the stand-ins were already running before the demo: left running"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step CMD...: runs CMD in a process group of its own and waits for it. Bash runs a trap only between
# commands, so a foreground child would hold off SIGTERM until it ended; a `wait` returns at once.
step() {
  setsid "$@" </dev/null &
  STEPPID=$!
  local rc=0
  wait "$STEPPID" || rc=$?
  STEPPID=""
  return "$rc"
}

# Under `npm run demo`, a SIGTERM to npm ends npm without passing it on: then this script, left
# without its parent, stops too (and with it everything it started).
watch_npm() {
  [ -n "${npm_lifecycle_event:-}" ] || return 0
  # npm runs the script through `sh -c`: watch the first ancestor that is not a shell
  local parent=$PPID self=$$ comm
  for _ in 1 2 3; do
    comm=$(ps -o comm= -p "$parent" 2>/dev/null || true)
    case $comm in
      sh | dash | bash) parent=$(ps -o ppid= -p "$parent" | tr -d ' ') ;;
      *) break ;;
    esac
  done
  [ -n "$parent" ] && [ "$parent" -gt 1 ] || return 0
  (
    while kill -0 "$parent" 2>/dev/null; do sleep 1; done
    kill -TERM "$self" 2>/dev/null
  ) </dev/null >/dev/null 2>&1 &
  WATCHPID=$!
}
watch_npm

healthy && die "something already answers on $URL; stop it or set DEMO_PORT"

say "code-server"
step bash scripts/install-code-server.sh || die "installing code-server failed"

say "stand-ins (Docker engine, registry, moto + fixture)"
BACKEND_STATUS=$(bash scripts/backend.sh status 2>/dev/null || true)
[[ $'\n'$BACKEND_STATUS == *$'\n'"moto: up"* ]] || STARTED_BACKEND=1
BACKEND_CHECKED=1
step bash scripts/backend.sh up || die "bash scripts/backend.sh up failed"
eval "$(bash scripts/backend.sh env)"

say "build and package"
step npm run --silent build || die "npm run build failed"
rm -f "$VSIX"
step npm run --silent package || die "npm run package failed"
[ -f "$VSIX" ] || die "npm run package did not make $VSIX"

mkdir -p "$D"
if [ "$ONCE" = 1 ]; then UD=$D/user-data-once && rm -rf "$UD"; else UD=$D/user-data; fi
EXTS=$D/extensions
rm -rf "$EXTS"
mkdir -p "$UD/User" "$EXTS" "$D/xdg" "$D/xdg-data"
if [ ! -f "$UD/User/settings.json" ]; then
  # the README preview is a webview, which headless Chromium shows blank: no startup editor for --once
  STARTUP_EDITOR=readme
  [ "$ONCE" = 0 ] || STARTUP_EDITOR=none
  cat >"$UD/User/settings.json" <<JSON
{
  "workbench.startupEditor": "$STARTUP_EDITOR",
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "git.openRepositoryInParentFolders": "never"
}
JSON
fi
# The stand-ins' settings, in the demo's user settings so the first Submit works as shipped: the
# endpoint and region (the extension would also take AWS_ENDPOINT_URL / AWS_REGION from code-server's
# environment, but the settings show where the calls go), the registry to push to, and a Node image
# that needs no pull for the runtime layer. Added where missing; a value you changed is kept.
node - "$UD/User/settings.json" <<'NODE' || die "could not add the stand-ins' settings to $UD/User/settings.json"
const fs = require('node:fs');
const file = process.argv[2];
const wanted = {
  'awsBatch.endpointUrl': process.env.AWS_ENDPOINT_URL,
  'awsBatch.region': process.env.AWS_REGION,
  'awsBatch.registryHost': process.env.BATCH_RUNNER_REGISTRY,
  'awsBatch.runtimeNodeImage': process.env.BATCH_RUNNER_NODE_IMAGE,
};
let settings;
try {
  settings = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`[demo] ${file} is not plain JSON (${error.message}); set ${Object.keys(wanted).join(', ')} there yourself`);
  process.exit(0);
}
// A stand-in image an older demo wrote (local/node:20) is not a choice of yours: it follows the stand-ins.
const stale = (key, value) => key === 'awsBatch.runtimeNodeImage' && /^local\/node:\d+$/.test(settings[key] ?? '') && settings[key] !== value;
const added = Object.entries(wanted).filter(([key, value]) => value && (settings[key] === undefined || stale(key, value)));
for (const [key, value] of added) settings[key] = value;
if (added.length) fs.writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
for (const [key] of Object.entries(wanted)) console.log(`[demo] user setting ${key}: ${settings[key]}`);
NODE
export XDG_CONFIG_HOME=$D/xdg XDG_DATA_HOME=$D/xdg-data # keep code-server's config.yaml etc. out of ~
# variables of a VS Code terminal would point code-server at another instance
while read -r v; do unset "$v"; done < <(compgen -e | grep '^VSCODE_' || true)

say "installing $(basename "$VSIX") into $EXTS"
"$CS" --user-data-dir "$UD" --extensions-dir "$EXTS" --install-extension "$VSIX" >"$D/install-extension.log" 2>&1 ||
  die "code-server --install-extension failed" "$D/install-extension.log"
grep -h 'successfully installed' "$D/install-extension.log" || true

if [ "$ONCE" = 1 ]; then
  WS=$D/workspace-once
  remove_local_runs
  rm -rf "$WS"
  cp -r demo/workspace "$WS"
  echo "[demo] workspace: a fresh copy of demo/workspace in $WS"
  # The first-Submit story starts where a new user does: no aws-batch.json (the wizard writes it).
  WIZARD_WS=$D/workspace-wizard-once
  rm -rf "$WIZARD_WS"
  cp -r demo/workspace "$WIZARD_WS"
  rm -f "$WIZARD_WS/aws-batch.json"
  echo "[demo] workspace: a fresh copy without aws-batch.json in $WIZARD_WS"
else
  WS=$D/workspace
  if [ -d "$WS" ] && [ ! -f "$WS/aws-batch.json" ]; then
    # the workspace of an older demo (no run configuration): keep it aside, start from the new one
    mv "$WS" "$WS.old-$(date +%Y%m%d-%H%M%S)"
    echo "[demo] workspace: an older demo workspace had no aws-batch.json; moved to $WS.old-*"
  fi
  if [ ! -d "$WS" ]; then
    cp -r demo/workspace "$WS"
    echo "[demo] workspace: copied demo/workspace to $WS"
  fi
fi

say "starting code-server on $URL"
# setsid: its own process group (no job control in a script, so setsid execs and $! is code-server),
# so the server and its extension hosts are stopped together; Ctrl+C reaches only this script.
setsid "$CS" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --ignore-last-opened \
  --user-data-dir "$UD" --extensions-dir "$EXTS" "$WS" >"$D/code-server.log" 2>&1 </dev/null &
CSPID=$!
for _ in $(seq 1 300); do
  healthy && break
  kill -0 "$CSPID" 2>/dev/null || die "code-server exited during start-up" "$D/code-server.log"
  sleep 0.2
done
healthy || die "code-server did not answer $URL/healthz within 60 s" "$D/code-server.log"
echo "[demo] code-server (pid $CSPID) up; log $D/code-server.log; ready after $((SECONDS - T0)) s"

if [ "$ONCE" = 1 ]; then
  say "playing the demo story in Chromium"
  setsid node scripts/demo-check.mjs "$URL" "$WS" "$SHOTS" "$WIZARD_WS" </dev/null &
  STEPPID=$!
  # Whichever ends first: the check, or code-server (then the check cannot go on).
  set +e
  wait -n -p ENDED "$STEPPID" "$CSPID"
  rc=$?
  set -e
  if [ "${ENDED:-}" = "$CSPID" ]; then
    CSPID=""
    die "code-server exited (status $rc) during the check" "$D/code-server.log"
  fi
  STEPPID=""
  [ "$rc" = 0 ] || die "demo check failed (screenshots in $SHOTS)"
  say "demo --once passed in $((SECONDS - T0)) s"
  exit 0
fi

cat <<EOF

  AWS Batch Runner demo is running:

      $URL/?folder=$WS

  (bound to 127.0.0.1 only; from another machine: ssh -L $PORT:127.0.0.1:$PORT <this host>)
  Open "AWS Batch" in the activity bar, then in the command palette (Ctrl+Shift+P):
  "AWS Batch: Run Locally", then "AWS Batch: Submit to Batch" (see the workspace's README.md).
  Press Ctrl+C to stop.

EOF
# A signal to this script ends the wait (the trap then stops everything); otherwise code-server ended
# by itself (or was sent a signal): stop what is left of it and the rest.
set +e
wait "$CSPID"
rc=$?
set -e
echo "[demo] code-server exited (status $rc); see $D/code-server.log"
exit "$rc"
