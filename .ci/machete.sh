#!/usr/bin/env bash
# No unused dependencies, in the workspace and in fuzz/ (cargo-machete reads
# the sources, so it needs no build). Installed pinned, from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.9.2
if [ "$(cargo machete --version 2>/dev/null)" != "$version" ]; then
  cargo install --locked --quiet "cargo-machete@$version"
fi
cargo machete
