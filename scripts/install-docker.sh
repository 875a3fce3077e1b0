#!/usr/bin/env bash
# Makes a Docker engine available on a Debian/Ubuntu machine where we are root (DESIGN §7).
# Idempotent: installs only what is missing, starts dockerd only when nothing answers on the
# socket, and returns once the engine answers `docker version`.
#
# Settings that work in the Faultline sandbox (Debian bookworm VM, init is not systemd, cgroup v1,
# ext4 root, iptables 1.8.9 in nf_tables mode), measured with Debian's docker.io 20.10.24:
#   - dockerd started by hand in the background (setsid, so it outlives this script), log in
#     /var/log/faultline-dockerd.log, pid in /var/run/docker.pid.
#   - --storage-driver=overlay2 works on the ext4 root. vfs is the fallback when overlay2 fails:
#     it copies every layer, so builds are slower and use several times the disk, but it works
#     on any file system.
#   - iptables stays on (dockerd's default): image builds need NAT on the default bridge to reach
#     the Debian mirror, and run networks are made --internal by the runtime. If dockerd cannot
#     program iptables we retry with --iptables=false: the host still reaches containers, but
#     builds cannot reach the mirror (the script warns).
#   - cgroupfs driver (dockerd's default without systemd) and no extra flags.
# From nothing (apt-get update, install docker.io + debootstrap, start dockerd) takes about 13 s.
#
# Environment:
#   FAULTLINE_DOCKERD_LOG        log file (default /var/log/faultline-dockerd.log)
#   FAULTLINE_DOCKER_STORAGE     force a storage driver (overlay2 | vfs)
#   FAULTLINE_DOCKER_WAIT_S      seconds to wait for the socket (default 60)
set -euo pipefail

log_file="${FAULTLINE_DOCKERD_LOG:-/var/log/faultline-dockerd.log}"
wait_s="${FAULTLINE_DOCKER_WAIT_S:-60}"
socket=/var/run/docker.sock

say() { echo "install-docker: $*" >&2; }

engine_answers() {
  # Talk to the socket directly: the docker CLI on PATH may be newer than the engine or absent.
  [ -S "$socket" ] && curl -fsS --max-time 2 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1
}

if command -v curl >/dev/null 2>&1 && engine_answers; then
  say "engine already answers on $socket"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "not root: cannot install or start dockerd. Start Docker yourself (e.g. 'sudo dockerd &') and retry."
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get: this script only knows Debian/Ubuntu. Install Docker with your OS's package manager and start it."
  exit 1
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends keeps out docker.io's optional extras (git, xz, apparmor helpers).
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if engine_answers; then
  # The package's postinst may have started the service where an init system exists.
  say "engine answers on $socket after install"
  exit 0
fi

dockerd_pid_file=/var/run/faultline-dockerd.pid

start_dockerd() {
  # $@: extra dockerd flags. Returns 0 once the engine answers, 1 if dockerd exited or timed out.
  say "starting dockerd $* (log: $log_file)"
  mkdir -p "$(dirname "$log_file")"
  # A stale pid file from a previous dockerd that died makes the new one refuse to start.
  rm -f /var/run/docker.pid
  # setsid: dockerd must outlive this script and the shell that called it.
  setsid dockerd --pidfile /var/run/docker.pid "$@" >>"$log_file" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$dockerd_pid_file"
  local deadline=$((SECONDS + wait_s))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if engine_answers; then
      say "engine up (dockerd pid $pid)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      say "dockerd $* exited; last log lines:"
      tail -n 5 "$log_file" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  say "dockerd $* did not answer within ${wait_s}s; stopping it (pid $pid)"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

if [ -n "${FAULTLINE_DOCKER_STORAGE:-}" ]; then
  start_dockerd --storage-driver="$FAULTLINE_DOCKER_STORAGE" && exit 0
else
  start_dockerd --storage-driver=overlay2 && exit 0
  start_dockerd --storage-driver=vfs && exit 0
fi
start_dockerd --storage-driver="${FAULTLINE_DOCKER_STORAGE:-vfs}" --iptables=false && {
  say "WARNING: running with --iptables=false: containers cannot reach the Debian mirror, so 'faultline images build' will fail"
  exit 0
}
say "could not start dockerd; see $log_file"
exit 1
