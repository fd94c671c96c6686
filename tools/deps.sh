#!/usr/bin/env bash
# Installs what building and testing basalt needs, from Debian packages, when missing.
# Usage: tools/deps.sh [build|test]   (test adds the real clients and redis-server to compare)
set -euo pipefail
mode="${1:-build}"
# libmimalloc-dev: the server's allocator (measurements in README, "Memory allocator").
# liblua5.1-0-dev, lua-cjson-dev, lua-bitop-dev: EVAL's interpreter and the cjson and bit
# libraries Redis gives scripts.
pkgs=(build-essential cmake ninja-build libasio-dev libspdlog-dev libtomlplusplus-dev doctest-dev
  libmimalloc-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev)
if [ "$mode" = "test" ]; then
  # redis-tools: redis-cli / redis-benchmark / redis-check-*; redis-server: reference
  # behaviour in tests and benchmarks; python3-redis: redis-py for integration tests.
  # redis-sentinel, nutcracker (twemproxy): the HA and sharding tools users run in front of
  # basalt, driven by the replication integration tests.
  pkgs+=(redis-tools redis-server python3 python3-redis redis-sentinel nutcracker)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
