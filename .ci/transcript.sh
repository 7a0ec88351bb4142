#!/usr/bin/env bash
# The transcript fixtures: the committed files of fixtures/transcript/ and
# fixtures/transcript/variants/ are what `cargo xtask transcript-fixtures`
# writes (the generator, then qpdf for the variants). AES-256 variants are
# compared decrypted (their password salts are random); see
# xtask/src/transcript_variants.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qpdf >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq qpdf >/dev/null
fi
cargo run -p xtask --locked --quiet -- transcript-fixtures --check
