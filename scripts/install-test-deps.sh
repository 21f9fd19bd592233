#!/usr/bin/env bash
# Installs the real servers and tools the tests start: etcd, ZooKeeper, Prometheus (promtool),
# the network tools used for partitions, and strace (what the state file asks of the disk).
# Needs root (apt-get); skips what is present.
set -euo pipefail
packages=(etcd-server etcd-client zookeeper prometheus nftables iptables iproute2 unzip strace)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: missing ${missing[*]}; run as root (or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Installing server packages must not start system services: the tests start their own.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  apt-get update -y
  apt-get install -y --no-install-recommends "${missing[@]}"
  rm -f /usr/sbin/policy-rc.d
fi
