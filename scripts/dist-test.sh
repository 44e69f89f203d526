#!/usr/bin/env bash
# The installed-app test (`make dist-test`, run by CI after `make test`): installs the .deb that
# `make dist` built with apt, checks what it put on the machine, runs the archivist's path in the
# INSTALLED /usr/bin/arke-export-desktop through the E2E harness (sandbox badge → sample IDs →
# Export MODS → ready → download → valid MODS), then removes the package again.
#   scripts/dist-test.sh <folder with the .deb>
# Needs root (CI runs as root): it installs into the machine, as an archivist would.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "dist-test: $*" >&2; exit 1; }

deb_dir=${1:?usage: scripts/dist-test.sh <folder with the .deb>}
shopt -s nullglob
debs=("$deb_dir"/*.deb)
[ ${#debs[@]} = 1 ] || { echo "dist-test: expected one .deb in $deb_dir, found ${#debs[@]}" >&2; exit 1; }
deb=$(realpath "${debs[0]}")
if [ "$(id -u)" != 0 ]; then
  echo "dist-test: installing a package needs root (CI runs as root); try: sudo make dist-test" >&2
  exit 1
fi
pkg=$(dpkg-deb --field "$deb" Package)
version=$(dpkg-deb --field "$deb" Version)

echo "==> $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
dpkg-deb --field "$deb" Depends Recommends | sed 's/^/    /'
# What a fresh Debian needs from apt: WebKitGTK, GTK, D-Bus and a Secret Service for the keyring.
depends=$(dpkg-deb --field "$deb" Depends)
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3 dbus-session-bus gnome-keyring; do
  [[ $depends == *"$dep"* ]] || fail "the package does not depend on $dep"
done

# Install as an archivist would. The dependencies are already on a machine that ran `make test`;
# if not, refresh the package lists once and try again.
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
  echo "dist-test: $pkg is already installed; it is replaced now and removed at the end" >&2
fi
remove() { echo "==> apt-get remove $pkg"; DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >/dev/null; }
trap remove EXIT
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >/dev/null; }
echo "==> apt-get install $deb"
install || { apt-get update -qq && install; }

# What the package put on the machine.
for f in /usr/bin/arke-export-desktop /usr/bin/arke-export-worker /usr/bin/arke-export; do
  [ -x "$f" ] || fail "$f is not installed"
done
desktop="/usr/share/applications/Arke Export.desktop"
[ -f "$desktop" ] || fail "no desktop entry: $(dpkg -L "$pkg" | grep applications/ || true)"
grep -qx 'Categories=Office;Utility;' "$desktop" || fail "the desktop entry is not in Office;Utility"
grep -qx 'Exec=arke-export-desktop' "$desktop" || fail "the desktop entry does not start arke-export-desktop"
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi
for size in 32x32 64x64 128x128 256x256 512x512; do
  [ -f "/usr/share/icons/hicolor/$size/apps/arke-export-desktop.png" ] || fail "no $size icon"
done
[ -f /usr/share/icons/hicolor/scalable/apps/arke-export-desktop.svg ] || fail "no scalable icon"
metainfo=/usr/share/metainfo/institute.arke.export.metainfo.xml
[ -f "$metainfo" ] || fail "no AppStream metainfo"
if command -v appstreamcli >/dev/null; then appstreamcli validate --no-net "$metainfo"; fi
[ -f "/usr/share/doc/$pkg/copyright" ] || fail "no license file"

# The CLI, from PATH, in a shell that knows nothing of this checkout.
cli_version=$(cd / && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$(mktemp -d)" arke-export --version)
echo "==> arke-export --version: $cli_version"
[[ $cli_version == *"$version"* ]] || fail "arke-export --version says '$cli_version', the package is $version"

# Sizes for the README.
echo "==> installed: $(dpkg-query -W -f='${Installed-Size}' "$pkg") KiB (dpkg Installed-Size)"
dpkg -L "$pkg" | while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo "$f"; done | tr '\n' '\0' \
  | du -ch --files0-from=- | tail -1 | sed 's/^/    files on disk: /'

# The archivist's path in the installed app: no hint where the worker is (ARKE_EXPORT_INSTALLED),
# a fresh HOME per launch, downloads through the ARKE_EXPORT_SAVE_DIR seam.
artifacts="${ARKE_EXPORT_ARTIFACTS:-$PWD/artifacts/e2e}/installed"
mkdir -p "$artifacts"
echo "==> E2E in the installed app (screenshots in $artifacts)"
NO_AT_BRIDGE=1 ARKE_EXPORT_APP=/usr/bin/arke-export-desktop ARKE_EXPORT_INSTALLED=1 \
  ARKE_EXPORT_ARTIFACTS="$artifacts" \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \
  cargo test -p arke-export-e2e --locked -- --test-threads=1
