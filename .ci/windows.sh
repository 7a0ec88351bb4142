#!/usr/bin/env bash
# Windows, tested under wine: the test suites of the XTU crates built for
# x86_64-pc-windows-gnu and run by wine, the built xtu.exe driven in wine's
# console (captcha prompt, Chinese text), then `cargo check` of the other
# release targets. Installs what it needs; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64)
command -v wine >/dev/null || need+=(wine wine64)
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
command -v script >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target add x86_64-pc-windows-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-gnu >/dev/null

# A 64-bit wine prefix of our own, with the test-only stand-in for
# bcryptprimitives.dll (wine 8 lacks it; Rust's std imports ProcessPrng from
# it). The stand-in lives only in this prefix and is never shipped.
export WINEPREFIX="$PWD/target/wine-prefix" WINEARCH=win64 WINEDEBUG=-all
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot -i >/dev/null 2>&1
fi
dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
x86_64-w64-mingw32-gcc -O2 -shared -s -Wl,--kill-at -o "$dll" \
  packaging/wine/bcryptprimitives.c packaging/wine/bcryptprimitives.def -ladvapi32

# insta finds the workspace with `cargo metadata`, which a process in wine
# cannot run: name it.
export INSTA_WORKSPACE_ROOT="$PWD"
# Incremental files of the Windows test build would take gigabytes.
export CARGO_INCREMENTAL=0
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
crates=(-p retry-policy -p xtu-model -p xtu-sso -p xtu-transcript -p xtu-ems -p xtu-grad -p xtu-app -p xtu-cli)
echo "-- test suites under wine"
cargo test --locked --target x86_64-pc-windows-gnu "${crates[@]}"
# The Credential Manager (wine implements it) is there on every Windows, so
# the keyring test, opt-in elsewhere, runs here too.
cargo test --locked --target x86_64-pc-windows-gnu -p xtu-cli --test stored_session \
  remember_keeps_the_password_in_the_os_keyring -- --ignored

echo "-- xtu.exe in wine's console"
cargo build --locked -p xtu-sandbox
state="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
target/debug/xtu-sandbox --listen "127.0.0.1:$port" 2>"$state/sandbox.log" &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true; rm -rf "$state"' EXIT
for _ in $(seq 50); do
  grep -q "fake XTU running" "$state/sandbox.log" && break
  sleep 0.2
done
sso=$(sed -n 's/.*XTU_SSO_BASE_URL=\([^ ]*\).*/\1/p' "$state/sandbox.log")
ems=$(sed -n 's/.*XTU_EMS_BASE_URL=\([^ ]*\).*/\1/p' "$state/sandbox.log")
python3 packaging/wine/console_check.py \
  target/x86_64-pc-windows-gnu/debug/xtu.exe "$sso" "$ems" "$state/xtu"

echo "-- cargo check of the other release targets"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
for target in x86_64-unknown-linux-musl aarch64-unknown-linux-gnu; do
  cargo check --locked --target "$target" -p xtu-cli
done
