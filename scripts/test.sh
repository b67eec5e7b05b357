#!/usr/bin/env bash
# Runs every test Slipway has: formatting, lints, Rust tests (including the TypeScript
# bindings drift check), the UI's type check and browser tests, and the desktop app
# end to end under Xvfb. Installs whatever those need first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

apt_install "${DESKTOP_PACKAGES[@]}" xvfb xauth webkit2gtk-driver chromium \
  debootstrap systemd-container iptables dbus openssh-client openssl pebble apt-cacher-ng gnome-keyring libsecret-tools python3 python3-venv
ensure_rust
ensure_node
if ! command -v tauri-driver >/dev/null; then
  step "Installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked
fi
ensure_ui_packages

step "Formatting"
cargo fmt --all --check

step "Building the UI"
npm --prefix ui run build

step "Lints"
cargo clippy --workspace --all-targets --features slipway-desktop/custom-protocol --locked -- -D warnings

step "Rust tests"
cargo test --workspace --exclude slipway-e2e --features slipway-desktop/custom-protocol --locked

step "UI type check"
npm --prefix ui run check

step "UI tests (headless Chromium)"
npm --prefix ui test

step "Desktop app end to end (WebDriver under Xvfb), and its .deb installed with apt"
cargo build -p slipway-desktop --features custom-protocol --locked
bash "$ROOT/scripts/bundle.sh" --debug
cargo test -p slipway-e2e --locked

step "All tests passed"
