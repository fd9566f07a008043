#!/usr/bin/env bash
# Install code-server (a real VS Code: workbench in the browser + Node extension host) from the npm
# registry, without the GitHub downloads its postinstall would make. Used by scripts/vscode-tests.mjs
# and scripts/demo.sh.
#
# usage: scripts/install-code-server.sh            (installs into ${CODE_SERVER_DIR:-<repo>/.work/code-server})
# env:   CODE_SERVER_DIR      install prefix (code-server ends up in $CODE_SERVER_DIR/node_modules/.bin/code-server)
#        CODE_SERVER_VERSION  default 4.100.3 (VS Code 1.100.3; the last line whose engines.node is 20)
#        FORCE=1              reinstall even if the wanted version is already there
set -euo pipefail
START=$(date +%s)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VER=${CODE_SERVER_VERSION:-4.100.3}
PREFIX=${CODE_SERVER_DIR:-$REPO/.work/code-server}
BIN=$PREFIX/node_modules/.bin/code-server
log() { echo "[install-code-server] $*"; }

# 0. already installed at this version?
if [ -z "${FORCE:-}" ] && [ -x "$BIN" ] && [ -f "$PREFIX/.installed-$VER" ]; then
  have=$(node -p "require('$PREFIX/node_modules/code-server/package.json').version" 2>/dev/null || true)
  if [ "$have" = "$VER" ]; then
    log "code-server $VER already installed in $PREFIX"
    exit 0
  fi
fi

# 1. Debian packages: browser, ripgrep, build deps for code-server's native modules (only when missing)
PKGS=(chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config build-essential)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v rg >/dev/null || { echo "ripgrep (rg) not found" >&2; exit 1; }

# 2. npm settings: node-pty's install runs `npx node-gyp` (a ~/.npmrc with yes=false would make it
#    fail), and as root npm drops privileges for scripts unless unsafe-perm is set.
export npm_config_yes=true npm_config_unsafe_perm=true npm_config_audit=false npm_config_fund=false
export npm_config_update_notifier=false
# Headers for node-gyp: those of the node that will run code-server (Debian/NodeSource put them in /usr).
NODE_PREFIX=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node.h" ]; then
  export npm_config_nodedir=$NODE_PREFIX
fi

# only ever wipe a folder this script made (or an empty one)
if [ -d "$PREFIX" ] && [ -n "$(ls -A "$PREFIX")" ] && ! grep -qs '"code-server-install"' "$PREFIX/package.json"; then
  echo "[install-code-server] $PREFIX exists and was not made by this script; not touching it" >&2
  exit 1
fi
log "installing code-server $VER into $PREFIX (node $(node -v))"
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
cd "$PREFIX"
echo '{ "name": "code-server-install", "private": true }' > package.json

# 3. code-server itself, without its postinstall (which refuses as root and downloads ripgrep from GitHub)
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "code-server@$VER"
npm rebuild argon2 --loglevel=error  # prebuilt download fails offline -> builds from source

# 4. what code-server's postinstall.sh does, minus the GitHub download
cd node_modules/code-server/lib/vscode
npm install --no-audit --no-fund --omit=dev --ignore-scripts --loglevel=error
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg # @vscode/ripgrep's postinstall skips when bin/ exists
npm rebuild --loglevel=error         # node-pty, spdlog, kerberos, native-watchdog, ... via node-gyp
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --no-audit --no-fund --omit=dev --loglevel=error)

got=$(XDG_CONFIG_HOME="$PREFIX/xdg" "$BIN" --version | tail -1) # XDG: keep its config.yaml out of ~
touch "$PREFIX/.installed-$VER"
log "installed: $got in $(($(date +%s) - START)) s"
