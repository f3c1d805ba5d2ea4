#!/usr/bin/env bash
# Installs the Debian packages Espresso needs when they are missing:
# WeasyPrint's Pango, gettext (compilemessages), poppler (PDF checks in tests),
# Chromium (browser tests), wrk (`make load`) and fonts (Noto: Latin, Greek, Cyrillic, Arabic, Hebrew,
# CJK and colour emoji on badges, reports and printed grids). As root it runs apt-get; otherwise it
# says what to install and goes on.
set -uo pipefail
packages=(gettext libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium fonts-dejavu-core
          fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji wrk)
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Note: not a Debian system; make sure these are installed: ${packages[*]}" >&2
  exit 0
fi
need=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Note: missing system packages (${need[*]}); install them with your package manager." >&2
fi
