#!/usr/bin/env bash
# Measures the desktop app as a user meets it: its size on disk, how long a start takes
# until the first screen can be used (cold, with the system's file caches dropped, and
# warm), and how much memory the whole app holds when idle (the app's process and the
# WebKit processes it starts, as PSS and RSS from /proc/<pid>/smaps_rollup).
#
#   bash scripts/bench-desktop.sh [path/to/slipway-desktop]
#
# Default binary: target/release/slipway-desktop (`bash scripts/start.sh` builds it).
# Runs under a private Xvfb unless DISPLAY is set. Dropping caches needs root; without it
# the "cold" figure is left out.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="${1:-$ROOT/target/release/slipway-desktop}"
runs="${RUNS:-5}"
[ -x "$binary" ] || { echo "No desktop binary at $binary: build it with bash scripts/start.sh" >&2; exit 1; }

work="$(mktemp -d)"
xvfb=""
cleanup() {
    [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
    export DISPLAY=":$((200 + $$ % 300))"
    Xvfb "$DISPLAY" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
    xvfb=$!
    for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${DISPLAY#:}" ] && break; sleep 0.05; done
fi
# A fresh user: no projects, no drafts, nothing cached by an earlier start.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"

millis() { echo $(( $(date +%s%N) / 1000000 )); }

# One start until the first screen is interactive; prints "<from launch ms> <from main ms>".
# The app prints the moment it was ready; the time it then takes to quit is not counted.
start_once() {
    rm -rf "$work/data" "$work/cache"
    local before said in_main ready
    before=$(millis)
    said=$(SLIPWAY_EXIT_WHEN_READY=1 timeout 60 "$binary" 2>/dev/null | grep 'interactive after' || true)
    in_main=$(echo "$said" | sed -n 's/.*after \([0-9]*\) ms in main.*/\1/p')
    ready=$(echo "$said" | sed -n 's/.*at \([0-9]*\) ms since 1970.*/\1/p')
    [ -n "$ready" ] || { echo "The app did not report a first screen" >&2; exit 1; }
    echo "$((ready - before)) $in_main"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

size=$(stat -c %s "$binary")
echo "Binary: $binary"
printf 'Size: %.1f MB (%d bytes)\n' "$(echo "$size / 1000000" | bc -l)" "$size"

start_once >/dev/null # the first start after a build also warms fontconfig's cache
if [ "$(id -u)" = 0 ]; then
    cold=()
    for _ in $(seq "$runs"); do
        sync
        echo 3 >/proc/sys/vm/drop_caches
        cold+=("$(start_once)")
    done
    printf '%s\n' "${cold[@]}" | awk '{ print $1 }' | median | xargs printf 'Cold start to an interactive window: median %s ms'
    printf ' over %d runs (all: %s)\n' "$runs" "$(printf '%s ' "${cold[@]}" | awk '{ for (i = 1; i <= NF; i += 2) printf "%s ", $i }')"
fi
warm=()
for _ in $(seq "$runs"); do warm+=("$(start_once)"); done
printf '%s\n' "${warm[@]}" | awk '{ print $1 }' | median | xargs printf 'Warm start to an interactive window: median %s ms'
printf ' over %d runs (from main: %s)\n' "$runs" "$(printf '%s\n' "${warm[@]}" | awk '{ printf "%s ", $2 }')"

# Idle memory: start normally, let it settle, add up the app and its WebKit processes.
rm -rf "$work/data" "$work/cache"
"$binary" >/dev/null 2>&1 &
app=$!
sleep "${SETTLE:-8}"
pids="$app $(pgrep -P "$app" | tr '\n' ' ' || true)"
for child in $pids; do pids="$pids $(pgrep -P "$child" | tr '\n' ' ' || true)"; done
pss=0
rss=0
for pid in $(echo "$pids" | tr ' ' '\n' | sort -u); do
    [ -r "/proc/$pid/smaps_rollup" ] || continue
    name=$(cat "/proc/$pid/comm")
    p=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    r=$(awk '/^Rss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    printf '  %-22s PSS %6d KiB  RSS %6d KiB\n' "$name" "$p" "$r"
    pss=$((pss + p))
    rss=$((rss + r))
done
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
printf 'Idle memory of the whole app: PSS %d MB, RSS %d MB\n' $((pss / 1024)) $((rss / 1024))
