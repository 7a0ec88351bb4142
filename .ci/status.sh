#!/usr/bin/env bash
# The status server's container image, built and run by podman; a step of .ci/run.
#   bash .ci/status.sh        (after `source .ci/postgres.sh`: the container needs TCP)
#
# No registry for base images is reachable here, so the Dockerfile's first stage
# (rust:alpine) cannot be pulled. Its final stage needs none (FROM scratch): podman
# builds packaging/Dockerfile unchanged with `--build-context build=DIR`, which stands
# a directory holding a static musl binary, built on this host, in for the build stage.
# Then tests/deploy.rs runs the image with the reference's .env.example and
# clients.example.yml and checks the conformance answers, its HEALTHCHECK, user and
# graceful stop.
#
# The binary is built with the `ci-image` profile (unoptimised, no debug info), not
# the Dockerfile's `release`: a cold optimised static build takes 10-26 minutes on
# two cores (release without LTO: 10m40s, with fat LTO ~26 min, 2026-12-02, other
# builds sharing the cores), and what this step checks (the image's layout, entry
# point, user, health check, answers) does not depend on optimisation. The shipped
# image keeps `release`.
#
# Podman runs on a private store and configuration (under $state, below) so that the
# step behaves the same on any machine and leaves nothing behind:
#   - storage driver vfs: overlay needs kernel overlayfs or /dev/fuse (fuse-overlayfs),
#     which nested containers often lack; the image is one small layer, so vfs's
#     copies cost nothing;
#   - runtime runc and cgroup manager cgroupfs: work with cgroups v1, v2 or hybrid and
#     without systemd (crun and the systemd manager do not, everywhere);
#   - events logger file: journald needs systemd;
#   - ulimits nofile/nproc 1024: podman raises them by default (to 1048576 as root),
#     which sandboxed VMs like the development machine refuse (EPERM); lowering works.
# Idempotent: a re-run, also after a killed one, first removes the previous run's
# containers and store; the exit trap removes this run's.
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

state="${TMPDIR:-/tmp}/ustc-status-ci-podman"
export CONTAINERS_CONF="$state/containers.conf"
export CONTAINERS_STORAGE_CONF="$state/storage.conf"
stage="$state/stage"
empty="$state/empty"
image=localhost/ustc-status-server:ci

# Every container in the private store is this script's (or a killed run's).
cleanup() {
    if [ -f "$CONTAINERS_STORAGE_CONF" ]; then
        podman rm -a -f -t 0 >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
}
cleanup
trap cleanup EXIT
mkdir -p "$state" "$stage/out" "$empty"
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$state/libpod"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "vfs"
graphroot = "$state/graph"
runroot = "$state/run"
EOF
if ! info=$(podman info 2>&1); then
    echo "status.sh: podman does not work on this machine:" >&2
    echo "$info" >&2
    exit 1
fi

target=x86_64-unknown-linux-musl
CC_x86_64_unknown_linux_musl=musl-gcc cargo build --profile ci-image --locked --target "$target" \
    -p ustc-status-server
bin="target/$target/ci-image/ustc-status-server"
# A static(-pie) binary has no program interpreter to ask for.
if readelf -l "$bin" | grep -q "program interpreter"; then
    echo "status.sh: $bin is dynamically linked; the scratch image needs a static binary" >&2
    exit 1
fi
cp "$bin" "$stage/out/ustc-status-server"

# The main context is empty: only the build stage (replaced) copies from it.
podman build --format docker --build-context build="$stage" \
    -f packaging/Dockerfile -t "$image" "$empty"
podman image inspect --format 'image size: {{.Size}} bytes' "$image"

# Can this machine run a container at all? Asked apart from the test, so that a
# runtime, cgroup or rlimit refusal is named as such rather than as a failed test.
# (--no-healthcheck: without systemd, podman logs that it cannot time the check.)
if ! out=$(podman run --rm --no-healthcheck --entrypoint /usr/local/bin/ustc-status-server \
    "$image" --version 2>&1); then
    echo "status.sh: podman cannot run a container on this machine (runtime runc," >&2
    echo "cgroupfs, ulimits 1024; see the comment at the top of .ci/status.sh):" >&2
    echo "$out" >&2
    exit 1
fi

# --workspace (only ustc-status-server has a `deploy` test): the dependencies are
# resolved with the whole workspace's features, as in .ci/run's test step, which then
# reuses this build instead of compiling them again with other features.
STATUS_TEST_IMAGE=$image cargo test --workspace --locked --test deploy -- \
    --ignored --exact the_image_serves_the_conformance_answers
