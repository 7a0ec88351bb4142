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
#
# Then the Python face is checked like the Rust: ruff (lint and format),
# mypy --strict on the package and its tests, and stubtest of the native
# module against `_native.pyi`. The tools are pinned so that a new release
# never fails a run that changed nothing.
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
"$work/test/bin/pip" install --quiet --disable-pip-version-check \
  "pytest==9.2.0" requests "ruff==0.17.5" "mypy==2.4.1" "types-requests==2.33.0.20261030" \
  "$work"/wheels/*.whl

echo "-- ruff, mypy --strict, stubtest"
(cd crates/xtu-py && "$work/test/bin/ruff" check --no-cache python tests \
  && "$work/test/bin/ruff" format --check --no-cache python tests \
  && "$work/test/bin/mypy" --cache-dir=/dev/null python tests)
# The stub in the tree against the module in the wheel (imported from the
# venv, not from the source directory, which has no native module).
repo=$PWD
(cd "$work" && MYPYPATH="$repo/crates/xtu-py/python" "$work/test/bin/python" -m mypy.stubtest \
  --mypy-config-file "$repo/crates/xtu-py/pyproject.toml" xtu_toolkit._native)

echo "-- pytest"

status=0
(cd crates/xtu-py/tests && "$work/test/bin/python" -m pytest -q -rs -p no:cacheprovider) || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
