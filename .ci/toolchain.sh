#!/usr/bin/env bash
# The toolchain pin and the declared minimum Rust agree, and the pin is the
# toolchain in use. Only the pinned toolchain is installed here, so
# `rust-version` is set to it: every build of CI is then the check that the
# workspace builds with its declared minimum (nothing older is claimed).
set -euo pipefail
cd "$(dirname "$0")/.."

pinned=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
declared=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml)
active=$(rustc --version | cut -d' ' -f2)
echo "pinned $pinned, rust-version $declared, rustc $active"
if [ "${pinned%.*}" != "$declared" ] && [ "$pinned" != "$declared" ]; then
  echo "rust-toolchain.toml pins $pinned but Cargo.toml declares rust-version $declared" >&2
  exit 1
fi
if [ "$active" != "$pinned" ]; then
  echo "rustc is $active, not the pinned $pinned" >&2
  exit 1
fi
# The pinned components are there (rustup would have installed them).
cargo clippy --version
cargo fmt --version
