#!/usr/bin/env bash
# The library crates as crates.io would take them: packaged in dependency
# order. One `cargo package` call with every crate: cargo orders them and
# resolves their path dependencies (which carry versions, none on crates.io)
# through a temporary local registry of the crates packaged before, so the
# whole set verifies offline. Verification builds each packaged crate on its
# own, in target/ (the dependencies the test step built are reused where the
# features agree).
set -euo pipefail
cd "$(dirname "$0")/.."

crates=(retry-policy xtu-model xtu-sso xtu-transcript xtu-ems xtu-grad xtu-app ustc-status ustc-status-server)
args=()
for crate in "${crates[@]}"; do
  args+=(-p "$crate")
  # Cargo unpacks each packaged crate from its temporary local registry into
  # CARGO_HOME once per name and version and reuses that copy ever after, so
  # on a machine that packaged an older tree of the same version the
  # verification would build the old sources. Those registries' source
  # folders are named with a leading '-'; only our own crates are removed.
  rm -rf "${CARGO_HOME:-$HOME/.cargo}/registry/src/"-*/"$crate"-[0-9]*
done
cargo package --locked --allow-dirty "${args[@]}"
for crate in "${crates[@]}"; do
  ls -l "target/package/$crate-"[0-9]*.crate
done
