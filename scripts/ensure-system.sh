#!/usr/bin/env bash
# Installs the Debian packages Hoard runs and tests against when they are missing (nftables fences
# Redis instances to their allowed CIDRs, Redis having no client-address rules of its own; the
# OpenStack clients are what the Keystone and Trove compatibility tests drive), and the
# unprivileged account database servers run as. Safe to run again: it only acts on what is absent.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in nats-server postgresql postgresql-client mariadb-server mariadb-client redis-server redis-tools e2fsprogs util-linux mount procps iproute2 curl nftables mariadb-backup python3-openstackclient python3-troveclient; do
  have_pkg "$pkg" || need+=("$pkg")
done

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian starts its own PostgreSQL, MariaDB and Redis services where it can; Hoard does not use
  # them (each instance runs its own server) and leaves them be.
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Database servers refuse to (PostgreSQL) or should not run as root: give them their own account.
if [ "$(id -u)" -eq 0 ] && ! id hoard >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hoard
fi
