#!/usr/bin/env bash
# Demo: the packaged extension in a real VS Code (code-server) against the local stand-ins.
#
#   bash scripts/demo.sh          # start everything, print the URL, run until Ctrl+C
#   bash scripts/demo.sh --once   # start everything, check it in Chromium, stop, exit 0 / non-zero
#
# Steps: stand-ins (scripts/backend.sh up) -> npm run build -> npm run package (aws-batch-runner.vsix)
# -> install the vsix into a fresh extensions dir -> code-server on 127.0.0.1:${DEMO_PORT:-8080} with
# the stand-ins' environment (AWS_ENDPOINT_URL, ...), opening .work/demo/workspace (copied from
# demo/workspace the first time; your changes there are kept).
# On exit it stops the code-server it started (by PID) and, if this run brought the stand-ins up,
# runs `backend.sh down` (a backend that was already running is left as it was).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

ONCE=0
case ${1:-} in
  --once) ONCE=1 ;;
  "") ;;
  -h | --help)
    sed -n '2,12p' "$0"
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

CSPID=""
STARTED_BACKEND=0
BACKEND_CHECKED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$CSPID" ]; then
    say "stopping code-server (pid $CSPID and its process group)"
    kill -TERM -- "-$CSPID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 -- "-$CSPID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$CSPID" 2>/dev/null || true
    CSPID=""
  fi
  if [ "$STARTED_BACKEND" = 1 ]; then
    say "stopping the stand-ins this demo started"
    bash scripts/backend.sh down || true
  elif [ "$BACKEND_CHECKED" = 1 ]; then
    echo "[demo] the stand-ins were already running before the demo: left running"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

healthy && die "something already answers on $URL; stop it or set DEMO_PORT"

say "code-server"
bash scripts/install-code-server.sh || die "installing code-server failed"

say "stand-ins (Docker engine, registry, moto + fixture)"
BACKEND_STATUS=$(bash scripts/backend.sh status 2>/dev/null || true)
[[ $'\n'$BACKEND_STATUS == *$'\n'"moto: up"* ]] || STARTED_BACKEND=1
BACKEND_CHECKED=1
bash scripts/backend.sh up || die "bash scripts/backend.sh up failed"
eval "$(bash scripts/backend.sh env)"

say "build and package"
npm run --silent build || die "npm run build failed"
rm -f "$VSIX"
npm run --silent package || die "npm run package failed"
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
export XDG_CONFIG_HOME=$D/xdg XDG_DATA_HOME=$D/xdg-data # keep code-server's config.yaml etc. out of ~
# variables of a VS Code terminal would point code-server at another instance
while read -r v; do unset "$v"; done < <(compgen -e | grep '^VSCODE_' || true)

say "installing $(basename "$VSIX") into $EXTS"
"$CS" --user-data-dir "$UD" --extensions-dir "$EXTS" --install-extension "$VSIX" >"$D/install-extension.log" 2>&1 ||
  die "code-server --install-extension failed" "$D/install-extension.log"
grep -h 'successfully installed' "$D/install-extension.log" || true

WS=$D/workspace
if [ ! -d "$WS" ]; then
  cp -r demo/workspace "$WS"
  echo "[demo] workspace: copied demo/workspace to $WS"
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
  say "checking the workbench in Chromium"
  node scripts/demo-check.mjs "$URL" "$WS" "$REPO/test-results/screenshots/demo.png" || die "demo check failed"
  say "demo --once passed"
  exit 0
fi

cat <<EOF

  AWS Batch Runner demo is running:

      $URL/?folder=$WS

  (bound to 127.0.0.1 only; from another machine: ssh -L $PORT:127.0.0.1:$PORT <this host>)
  Open "AWS Batch" in the activity bar. Press Ctrl+C to stop.

EOF
set +e
wait "$CSPID"
rc=$?
echo "[demo] code-server exited (status $rc); see $D/code-server.log"
exit "$rc"
