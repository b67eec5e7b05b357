#!/usr/bin/env bash
# Regenerates the app icons from slipway.svg (needs rsvg-convert and ui's npm packages).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rsvg-convert -w 1024 -h 1024 slipway.svg -o "$work/slipway.png"
../ui/node_modules/.bin/tauri icon "$work/slipway.png" -o "$work/out" >/dev/null
for icon in 32x32.png 64x64.png 128x128.png 128x128@2x.png icon.png icon.icns icon.ico; do
  cp "$work/out/$icon" .
done
