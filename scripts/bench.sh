#!/usr/bin/env bash
# npm run bench [-- NAME...]: runs bench/NAME.mjs (or every benchmark); each prints one JSON line on stdout.
# Progress and logs go to stderr, so `npm run --silent bench -- NAME > result.json` keeps only the JSON.
#
# On a fresh machine it installs what a benchmark needs, as `npm test` does (scripts/test.sh):
#   - node_modules (npm ci) when missing;
#   - the peers it compares against, from Debian: the AWS CLI v2 (`awscli`, /usr/bin/aws) for the
#     benchmarks that run it, GNU `parallel` for those that run it, GNU `time` (/usr/bin/time) for
#     those that time a peer's CPU;
#   - the stand-ins (scripts/backend.sh up: Docker engine, registry, moto) for the benchmarks that use
#     them or a private moto server, and their env (AWS_ENDPOINT_URL, ...). A backend that was already
#     running is left as it was; what this run started is stopped at the end.
# A benchmark that fails does not stop the others; the exit status says whether all passed.
#
# What a benchmark needs is read from its source:
#   stand-ins  standInEndpoint (bench/lib/common.mjs), backend.sh or moto.server
#   awscli     /usr/bin/aws, AWS_CLI_V2 or awsCliPeer
#   parallel   /usr/bin/parallel, GNU parallel or gnuParallelPeer
#   time       /usr/bin/time or timedRun
# BENCH_DRY_RUN=1 prints what would be installed, started and run, and does none of it.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${BACKEND_DIR:-$PWD/.work/backend}
backend=${BENCH_BACKEND:-scripts/backend.sh} # (a stand-in for backend.sh, to test the start/stop logic)
dry=${BENCH_DRY_RUN:-}
say() { echo "bench: $*" >&2; }
run() { if [ -n "$dry" ]; then say "(dry run) $*"; else "$@"; fi; }

if [ ! -d node_modules ]; then run npm ci --no-audit --no-fund >&2 || exit 1; fi
available=$(ls bench/*.mjs | xargs -n1 basename | sed 's/\.mjs$//')
names=("$@")
[ ${#names[@]} -eq 0 ] && mapfile -t names <<<"$available"
for name in "${names[@]}"; do
  if [ ! -f "bench/$name.mjs" ]; then
    say "unknown benchmark: $name (available: $(echo $available))"
    exit 2
  fi
done

needs() { # NAME WHAT: does bench/NAME.mjs need WHAT?
  local pattern
  case $2 in
    stand-ins) pattern='standInEndpoint|backend\.sh|moto\.server' ;;
    awscli) pattern='/usr/bin/aws|AWS_CLI_V2|awsCliPeer' ;;
    parallel) pattern='/usr/bin/parallel|GNU .?parallel|gnuParallelPeer' ;;
    time) pattern='/usr/bin/time|timedRun' ;;
  esac
  grep -Eq "$pattern" "bench/$1.mjs"
}

# ---- peers (Debian packages) ----
apt_updated=0
apt_install() { # PACKAGE...
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  say "installing Debian packages: $*"
  [ -n "$dry" ] && return 0
  if [ "$apt_updated" = 0 ] && [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$')" ]; then
    $sudo apt-get update >&2 && apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$@" >&2 && return 0
  [ "$apt_updated" = 1 ] && return 1
  $sudo apt-get update >&2 && apt_updated=1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$@" >&2
}
aws_cli_v2() { local v; v=$("${AWS_CLI_V2:-/usr/bin/aws}" --version 2>/dev/null) && [[ "$v" == aws-cli/2.* ]]; }
gnu_parallel() { "${GNU_PARALLEL:-/usr/bin/parallel}" --version 2>/dev/null | head -n1 | grep -q '^GNU parallel'; }

packages=()
for name in "${names[@]}"; do
  if needs "$name" awscli && ! aws_cli_v2; then
    [ -z "${AWS_CLI_V2:-}" ] || { say "AWS_CLI_V2=$AWS_CLI_V2 is not the AWS CLI v2"; exit 1; }
    packages+=(awscli)
  fi
  if needs "$name" parallel && ! gnu_parallel; then packages+=(parallel); fi
  if needs "$name" time && [ ! -x /usr/bin/time ]; then packages+=(time); fi
done
if [ ${#packages[@]} -gt 0 ]; then
  mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
  apt_install "${packages[@]}" || { say "could not install ${packages[*]}"; exit 1; }
  if [ -z "$dry" ]; then
    for p in "${packages[@]}"; do
      case $p in
        awscli) aws_cli_v2 || { say "/usr/bin/aws is still not the AWS CLI v2"; exit 1; } ;;
        parallel) gnu_parallel || { say "/usr/bin/parallel is still not GNU parallel"; exit 1; } ;;
      esac
    done
  fi
fi

# ---- stand-ins ----
# Stops exactly the parts this run started: those whose pidfile `up` wrote. Parts started earlier by
# backend.sh (their pidfiles were there before) are hidden from `down` and kept running.
before_pids=()
started_pids=()
pidfiles() { for f in "$B"/{moto,registry,dockerd}.pid; do [ -f "$f" ] && echo "$f"; done; }
stop_started() {
  [ ${#started_pids[@]} -gt 0 ] || return 0
  say "stopping the stand-ins this run started: $(basename -a "${started_pids[@]}" | tr '\n' ' ')"
  local f
  for f in "${before_pids[@]}"; do [ -f "$f" ] && mv "$f" "$f.bench-keep"; done
  bash "$backend" down >&2 || true
  for f in "${before_pids[@]}"; do [ -f "$f.bench-keep" ] && mv "$f.bench-keep" "$f"; done
}
trap stop_started EXIT
trap 'exit 130' INT TERM

ensure_stand_ins() {
  [ -n "${BENCH_STAND_INS_UP:-}" ] && return 0
  BENCH_STAND_INS_UP=1
  if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
    say "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL is set: using the stand-ins there as they are"
    return 0
  fi
  mapfile -t before_pids < <(pidfiles)
  local status
  status=$(bash "$backend" status 2>/dev/null || true)
  if grep -q '^moto: up' <<<"$status" && grep -q '^docker: up' <<<"$status" && grep -q '^registry: up' <<<"$status" && grep -q '^fixture: up' <<<"$status"; then
    say "stand-ins already up: leaving them as they are"
  else
    say "starting the stand-ins (scripts/backend.sh up)"
    if [ -n "$dry" ]; then
      say "(dry run) $backend up; then stop on exit what it started"
    else
      bash "$backend" up >&2 || return 1
      local f old
      for f in $(pidfiles); do
        old=0
        for g in "${before_pids[@]}"; do [ "$f" = "$g" ] && old=1; done
        [ "$old" = 1 ] || started_pids+=("$f")
      done
    fi
  fi
  eval "$(bash "$backend" env)"
  # The Python that has moto (what backend.sh runs moto with), for benchmarks with a private moto.
  if [ -z "${MOTO_PYTHON:-}" ]; then
    local cand
    for cand in "$(command -v python3 2>/dev/null || true)" "$HOME/.pyenv/shims/python3"; do
      [ -n "$cand" ] && [ -x "$cand" ] || continue
      case $(readlink -f "$("$cand" -c 'import sys; print(sys.executable)' 2>/dev/null)") in /usr/bin/python3*) continue ;; esac
      if "$cand" -c 'import moto.server' 2>/dev/null; then
        export MOTO_PYTHON=$cand
        break
      fi
    done
  fi
}

# ---- the benchmarks ----
failed=()
out=$(mktemp)
for name in "${names[@]}"; do
  if needs "$name" stand-ins && ! ensure_stand_ins; then
    say "$name: the stand-ins did not start"
    failed+=("$name")
    continue
  fi
  say "running $name"
  if [ -n "$dry" ]; then
    say "(dry run) node bench/$name.mjs"
    continue
  fi
  node "bench/$name.mjs" >"$out"
  rc=$?
  cat "$out"
  if [ "$rc" != 0 ]; then
    say "$name: failed (exit $rc)"
    failed+=("$name")
    continue
  fi
  lines=$(grep -c . "$out" || true)
  if [ "$lines" != 1 ] || ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$out" 2>/dev/null; then
    say "$name: expected one JSON line on stdout, got $lines line(s)"
    failed+=("$name")
  fi
done
rm -f "$out"
if [ ${#failed[@]} -gt 0 ]; then
  say "FAILED: ${failed[*]}"
  exit 1
fi
say "all ran: ${names[*]}"
