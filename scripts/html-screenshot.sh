#!/usr/bin/env bash
# Opens an HTML report in headless Chromium with the network off and saves a
# screenshot, failing if Chromium cannot render it. Usage:
#   scripts/html-screenshot.sh reports/comparison.html [out.png] [width,height]
# Needs Debian's chromium (apt-get install chromium). The report must need no
# network: Chromium runs with networking disabled, so anything fetched from
# outside would be missing from the picture.
set -euo pipefail
page=${1:?usage: scripts/html-screenshot.sh PAGE.html [OUT.png] [WIDTH,HEIGHT]}
out=${2:-${page%.html}.png}
size=${3:-1600,1200}
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chromium_bin" ]]; then
  echo "error: chromium not found (apt-get install chromium)" >&2
  exit 4
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out"
# --no-sandbox: CI runs as root. The background-networking flags stop
# Chromium's own connections, which a closed network refuses.
timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic \
  --no-first-run --disable-background-networking --disable-component-update \
  --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --proxy-server='http://127.0.0.1:9' --proxy-bypass-list='<-loopback>' \
  --window-size="$size" --screenshot="$out" "file://$(realpath "$page")" >/dev/null 2>&1 || true
if [[ ! -s "$out" ]]; then
  echo "error: chromium wrote no screenshot of $page" >&2
  exit 1
fi
echo "wrote $out"
