#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs basalt-server with config/basalt.toml
# (127.0.0.1:6379 by default). Extra arguments are passed on: tools/run-server.sh --port 6380
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh build
tools/build.sh build
exec build/basalt-server config/basalt.toml "$@"
