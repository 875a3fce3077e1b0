#!/usr/bin/env bash
# Installs the real systems the local runtime runs as child processes (clusters/etcd,
# clusters/redis-sentinel, clusters/zookeeper) from Debian: etcd, Redis + Sentinel, ZooKeeper.
# Idempotent: installs only the packages that are missing.
#
# The packages ship init scripts / systemd units that would start etcd on 2379, Redis on 6379,
# Sentinel on 26379 and ZooKeeper on 2181 as soon as they are installed. Faultline starts its own
# servers on reserved ports and never wants those daemons, so while installing we put a
# policy-rc.d in place that forbids starting services (exit 101, honoured by invoke-rc.d and
# deb-systemd-invoke) unless one already exists, and afterwards disable the units for the
# packages we installed, so they do not come up at the next boot either.
#
# ZooKeeper needs a Java runtime; Debian's `zookeeper` package pulls in a headless JRE if none
# is installed.
set -euo pipefail

say() { echo "install-systems: $*" >&2; }

if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get: this script only knows Debian/Ubuntu. Install etcd, redis-server, redis-sentinel and zookeeper with your OS's package manager."
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "not root: run it as root (e.g. 'sudo $0') so that apt-get can install packages."
  exit 1
fi

packages=(etcd-server etcd-client redis-server redis-sentinel redis-tools zookeeper)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  say "all of ${packages[*]} are installed"
  exit 0
fi

policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# Written by faultline scripts/install-systems.sh while installing; removed afterwards.\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() {
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
}
trap cleanup EXIT

say "installing ${missing[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Units of the packages we just installed; disabling is a no-op for units that do not exist.
if [ -d /run/systemd/system ]; then
  for unit in etcd redis-server redis-sentinel zookeeper; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
else
  for script in etcd redis-server redis-sentinel zookeeper; do
    if [ -x "/etc/init.d/$script" ]; then update-rc.d "$script" disable >/dev/null 2>&1 || true; fi
  done
fi

for binary in etcd etcdctl redis-server redis-sentinel; do
  command -v "$binary" >/dev/null 2>&1 || { say "$binary is still missing after installing; see apt-get's output above"; exit 1; }
done
[ -d /usr/share/zookeeper/lib ] || [ -e /usr/share/java/zookeeper.jar ] || { say "ZooKeeper's jars are missing after installing; see apt-get's output above"; exit 1; }
say "installed: $(etcd --version 2>/dev/null | head -1); $(redis-server --version | cut -d' ' -f1-3); zookeeper $(dpkg-query -W -f='${Version}' zookeeper)"
