#!/usr/bin/env bash
# Builds Slipway's installable packages: a .deb and an .rpm holding the desktop app, the
# `slipway` command line, the icons and the desktop entry. They land in
# target/release/bundle/{deb,rpm}/ (target/debug/… with --debug, which the install test
# uses: the same package contents around a debug build).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

profile=release
if [ "${1:-}" = "--debug" ]; then
    profile=debug
fi

apt_install "${DESKTOP_PACKAGES[@]}"
ensure_rust
ensure_node
ensure_ui_packages

step "Building the UI"
npm --prefix "$ROOT/ui" run build
step "Building the slipway command line ($profile)"
if [ "$profile" = release ]; then
    cargo build --release --manifest-path "$ROOT/Cargo.toml" -p slipway-cli --locked
else
    cargo build --manifest-path "$ROOT/Cargo.toml" -p slipway-cli --locked
fi

step "Building the desktop app and its packages ($profile)"
# The UI is built above; the packages take the command line from this profile's folder.
cli="../target/$profile/slipway"
config="{\"build\":{\"beforeBuildCommand\":\"\"},\"bundle\":{\"linux\":{\
\"deb\":{\"files\":{\"/usr/bin/slipway\":\"$cli\"}},\
\"rpm\":{\"files\":{\"/usr/bin/slipway\":\"$cli\"}}}}}"
flags=(--bundles deb rpm --ci --config "$config")
if [ "$profile" = debug ]; then
    flags+=(--debug)
fi
(cd "$ROOT" && "$ROOT/ui/node_modules/.bin/tauri" build "${flags[@]}")

echo
echo "Packages:"
ls -1 "$ROOT"/target/"$profile"/bundle/deb/*.deb "$ROOT"/target/"$profile"/bundle/rpm/*.rpm
echo "Install on Debian or Ubuntu with: sudo apt install ./$(basename "$(ls "$ROOT"/target/"$profile"/bundle/deb/*.deb | head -1)")"
