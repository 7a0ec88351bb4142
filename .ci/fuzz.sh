#!/usr/bin/env bash
# The fuzz targets build (fuzz/ is its own workspace with its own lock file).
# cargo-fuzz itself needs nightly flags, but the targets are plain Rust:
# `cargo check` on the pinned stable toolchain type-checks every one, and
# libfuzzer-sys's build script compiles libFuzzer. The workspace's target/
# is shared so that the dependencies checked by clippy are reused.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

cargo check --locked --bins --target-dir ../target
