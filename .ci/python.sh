#!/usr/bin/env bash
# The Python wheel (crates/xtu-py): build the Linux x86_64 wheel with maturin,
# install it in a fresh venv, run its pytest suite against the fake XTU
# (the xtu-sandbox binary, started as a process on loopback).
#
# Shares the test build: the binaries the suite starts and compares with
# come from `cargo test --workspace --no-run` (nothing to do after the test
# step), and the wheel is built in the dev profile into the same target/, so
# only pyo3 and the extension itself are compiled here. `--strip` keeps the
# debug wheel at ~11 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo test --workspace --locked --no-run --quiet
export XTU_BIN="$PWD/target/debug/xtu" XTU_SANDBOX="$PWD/target/debug/xtu-sandbox"

"$python" -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.7,<2"
(cd crates/xtu-py && "$work/build/bin/maturin" build --locked --profile dev --strip \
  --out "$work/wheels")

"$python" -m venv "$work/test"
"$work/test/bin/pip" install --quiet --disable-pip-version-check pytest requests "$work"/wheels/*.whl

status=0
(cd crates/xtu-py/tests && "$work/test/bin/python" -m pytest -q -rs -p no:cacheprovider) || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
