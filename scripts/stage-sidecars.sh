#!/usr/bin/env bash
# Builds the release worker (and, for Linux, the CLI) and puts them where
# src-tauri/tauri.dist.conf.json expects them (src-tauri/binaries/, gitignored):
#   - binaries/arke-export-worker-<target triple>[.exe]: the Tauri sidecar (externalBin). Tauri wants
#     one per target triple and installs it beside the app's own binary without the suffix, which is
#     where the sandbox looks first (crates/sandbox: worker_binary_near);
#   - binaries/arke-export: the CLI, which the .deb and .rpm install as /usr/bin/arke-export.
# Used by `make dist` and by .github/workflows/release.yml (one job per platform):
#   scripts/stage-sidecars.sh            # the host, into target/release: see below
#   scripts/stage-sidecars.sh TRIPLE...  # cross builds, into target/TRIPLE/release
# Given both apple-darwin triples, it also makes the universal-apple-darwin worker (lipo).
#
# For the host it builds the desktop app too, with the very packages and features that
# `tauri build ... -- $(scripts/stage-sidecars.sh --cargo-args)` then asks cargo for: one feature
# resolution, so the crates the three binaries share are compiled once, not twice (the worker and
# CLI alone resolve features differently from the app, and that rebuilt ~150 crates).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
out=src-tauri/binaries
mkdir -p "$out"

build() { # triple, folder with its release binaries, cargo args...
  local triple=$1 dir=$2 ext=""
  shift 2
  [[ $triple == *windows* ]] && ext=.exe
  cargo build --locked "$@"
  cp "$dir/arke-export-worker$ext" "$out/arke-export-worker-$triple$ext"
  if [[ $triple == *linux* ]]; then cp "$dir/arke-export" "$out/arke-export"; fi
  echo "staged $out/arke-export-worker-$triple$ext"
}

host=$(rustc -vV | sed -n 's/host: //p')
host_packages=(-p arke-export-desktop -p arke-export-worker)
[[ $host == *linux* ]] && host_packages+=(-p arke-export-cli)
if [ "${1:-}" = --cargo-args ]; then # what to pass to `tauri build --` for the same resolution
  echo "${host_packages[*]}"
  exit 0
fi
if [ $# = 0 ]; then
  # `tauri build` runs `cargo build <these -p> --bins --features tauri/custom-protocol --release`
  # (no --release with --debug: DIST_PROFILE=debug packages the build `make app` made).
  case ${DIST_PROFILE:-release} in
    release) build "$host" "$target_dir/release" --release "${host_packages[@]}" --bins --features tauri/custom-protocol ;;
    debug) build "$host" "$target_dir/debug" "${host_packages[@]}" --bins --features tauri/custom-protocol ;;
    *) echo "stage-sidecars: DIST_PROFILE is release or debug, not ${DIST_PROFILE}" >&2; exit 2 ;;
  esac
  exit 0
fi
for triple in "$@"; do
  packages=(-p arke-export-worker)
  [[ $triple == *linux* ]] && packages+=(-p arke-export-cli)
  build "$triple" "$target_dir/$triple/release" --release --target "$triple" "${packages[@]}"
done
if [ -f "$out/arke-export-worker-aarch64-apple-darwin" ] && [ -f "$out/arke-export-worker-x86_64-apple-darwin" ]; then
  lipo -create -output "$out/arke-export-worker-universal-apple-darwin" \
    "$out/arke-export-worker-aarch64-apple-darwin" "$out/arke-export-worker-x86_64-apple-darwin"
  echo "staged $out/arke-export-worker-universal-apple-darwin"
fi
