#!/usr/bin/env bash
# Installs the PostgreSQL 15 server programs that clusters/postgres runs (initdb, postgres), from
# Debian's postgresql-15 package, when they are missing. Idempotent: does nothing when they are
# there. Debian's package would also create and start a system cluster on port 5432; the harness
# needs none, so cluster creation is switched off before installing.
set -euo pipefail

BINDIR=/usr/lib/postgresql/15/bin

if [ -x "$BINDIR/initdb" ] && [ -x "$BINDIR/postgres" ]; then
  echo "install-postgres: PostgreSQL 15 server programs present in $BINDIR"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-postgres: $BINDIR/initdb or $BINDIR/postgres is missing, and installing postgresql-15 needs root; run this script as root (or: sudo apt-get install -y postgresql-15)" >&2
  exit 1
fi

CREATECLUSTER=/etc/postgresql-common/createcluster.conf
if ! grep -qs '^create_main_cluster *= *false' "$CREATECLUSTER"; then
  mkdir -p "$(dirname "$CREATECLUSTER")"
  echo "create_main_cluster = false" >> "$CREATECLUSTER"
fi

export DEBIAN_FRONTEND=noninteractive
# Keep the createcluster.conf written above instead of asking about the package's version.
APT_OPTIONS=(-y -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef --no-install-recommends)
if ! apt-get install "${APT_OPTIONS[@]}" postgresql-15; then
  # A fresh machine may have no package lists yet.
  apt-get update
  apt-get install "${APT_OPTIONS[@]}" postgresql-15
fi

if [ ! -x "$BINDIR/initdb" ] || [ ! -x "$BINDIR/postgres" ]; then
  echo "install-postgres: postgresql-15 installed, but $BINDIR/initdb or $BINDIR/postgres is still missing; check 'dpkg -L postgresql-15'" >&2
  exit 1
fi
echo "install-postgres: installed PostgreSQL 15 server programs in $BINDIR"
