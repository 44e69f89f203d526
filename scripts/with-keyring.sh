#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked, throwaway GNOME Keyring
# (Secret Service), so tests use the real OS keyring without touching the user's own.
#   scripts/with-keyring.sh cargo test
set -euo pipefail
if [ "${ARKE_IN_KEYRING_SESSION:-}" != 1 ]; then
  export ARKE_IN_KEYRING_SESSION=1
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir -p "$scratch/data" "$scratch/run" && chmod 700 "$scratch/run"
  # The keyring's files go to a throwaway XDG_DATA_HOME; HOME stays for cargo and rustup.
  XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" \
    dbus-run-session -- "$0" "$@"
  exit $?
fi
# An empty line on stdin is the (empty) password that creates and unlocks the login keyring.
echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
exec "$@"
