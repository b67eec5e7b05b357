#!/usr/bin/env bash
# Installs everything Slipway needs, builds it, and starts the desktop app.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

apt_install "${DESKTOP_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_ui_packages

step "Building the UI"
npm --prefix "$ROOT/ui" run build
step "Building Slipway (the first build takes a few minutes)"
cargo build --release --manifest-path "$ROOT/Cargo.toml" -p slipway-desktop -p slipway-cli --features slipway-desktop/custom-protocol

step "Starting Slipway"
echo "The slipway command line is at $ROOT/target/release/slipway"
exec "$ROOT/target/release/slipway-desktop"
