#!/usr/bin/env bash
# Prepares a machine for the system tier (npm run test:systems): a running Docker engine and every
# Faultline image, built offline and cached by recipe. Safe to call on every CI run: when the
# engine runs and the images are current it takes about a second.
#
# Usage: scripts/ci-docker.sh [SYSTEM…]      (no systems: every system's image; each system names
#                                           its build context, clusters/<system>/image/)
# Needs root on Debian/Ubuntu (installs docker.io and debootstrap from the configured apt mirror).
#
# Measured on the 2-core project machine from nothing (no docker.io, no images, no cache):
#   install docker.io + start dockerd ~13 s, base (debootstrap + import) ~37 s, redis ~5 s,
#   etcd ~7 s, zookeeper ~21 s, raft ~1 s: about 85 s. Cached: about 1 s.
#   kafka and elasticsearch (JRE layer shared, Maven Central downloads): about 76 s cold on a loaded
#   machine (kafka 46 s, elasticsearch 30 s); an up-to-date recipe: no Maven, about 1 s.
# FAULTLINE_CI_DOCKER_TIMEOUT_S bounds the whole preparation (default 900 s).
set -euo pipefail
cd "$(dirname "$0")/.."

limit="${FAULTLINE_CI_DOCKER_TIMEOUT_S:-900}"
started=$SECONDS

bash scripts/install-docker.sh
echo "ci-docker: engine ready after $((SECONDS - started)) s" >&2

# The kafka and elasticsearch images are assembled from Maven Central artifacts that Maven fetches
# on the host (clusters/runtime/docker/images/maven.ts), cached in ~/.m2 between builds.
if ! command -v mvn >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq --no-install-recommends maven >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends maven >/dev/null; }
fi

# timeout sends TERM, which tsx passes on; the build lock is released by its owner dying.
if ! timeout "$((limit - (SECONDS - started)))" npx --no-install tsx scripts/build-images.ts "$@"; then
  echo "ci-docker: building images failed or exceeded ${limit} s in total; see the output above" >&2
  exit 1
fi
echo "ci-docker: ready in $((SECONDS - started)) s" >&2
