#!/usr/bin/env bash
# The status server's container image, built and run where the machine allows.
#   bash .ci/status.sh        (after `source .ci/postgres.sh`: the container needs TCP)
#
# No registry for base images is reachable here, so the Dockerfile's first stage
# (rust:alpine) cannot be pulled. Its final stage needs none (FROM scratch): podman
# builds packaging/Dockerfile unchanged with `--build-context build=DIR`, which stands
# a directory holding the static musl binary, built on this host with the same
# command, in for the build stage. Then tests/deploy.rs runs the image with the
# reference's .env.example and clients.example.yml and checks the conformance answers,
# its HEALTHCHECK, user and graceful stop. Idempotent.
#
# Not called by .ci/run: the Dockerfile's first stage is not what this builds, and the
# static release build costs CI minutes. Run it by hand after changing packaging/.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@" >/dev/null
}
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v musl-gcc >/dev/null \
    || ! command -v readelf >/dev/null; then
    apt-get update -qq
    apt_install podman runc musl-tools binutils
fi
if [ -z "${STATUS_TEST_POSTGRES_URL:-}" ]; then
    echo "status.sh: STATUS_TEST_POSTGRES_URL is not set (source .ci/postgres.sh first)" >&2
    exit 1
fi
rustup target add x86_64-unknown-linux-musl >/dev/null 2>&1 || rustup target add x86_64-unknown-linux-musl

target=x86_64-unknown-linux-musl
CC_x86_64_unknown_linux_musl=musl-gcc cargo build --release --locked --target "$target" -p ustc-status-server
bin="target/$target/release/ustc-status-server"
# A static(-pie) binary has no program interpreter to ask for.
if readelf -l "$bin" | grep -q "program interpreter"; then
    echo "status.sh: $bin is dynamically linked; the scratch image needs a static binary" >&2
    exit 1
fi

stage=$(mktemp -d)
empty=$(mktemp -d)
trap 'rm -rf "$stage" "$empty"' EXIT
mkdir -p "$stage/out"
cp "$bin" "$stage/out/ustc-status-server"
image=localhost/ustc-status-server:ci
# The main context is empty: only the build stage (replaced) copies from it.
podman build --runtime runc --format docker --build-context build="$stage" \
    -f packaging/Dockerfile -t "$image" "$empty"
podman image inspect --format 'image size: {{.Size}} bytes' "$image"

STATUS_TEST_IMAGE=$image cargo test --locked -p ustc-status-server --test deploy -- \
    --ignored --exact the_image_serves_the_conformance_answers
