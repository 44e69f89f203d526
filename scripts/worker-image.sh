#!/usr/bin/env bash
# Builds the export machine's image from crates/worker/Dockerfile for linux/amd64 (Fly's machines)
# and, with PUSH=1, pushes it. Used by `make worker-image` and .github/workflows/worker-image.yml.
#   scripts/worker-image.sh registry.fly.io/<app>:<tag>
#   PUSH=1 scripts/worker-image.sh registry.fly.io/<app>:<tag>   # after `fly auth docker`
# Uses docker when its daemon answers, else podman, else buildah (BUILDER=... to choose).
set -euo pipefail
cd "$(dirname "$0")/.."

image=${1:?usage: scripts/worker-image.sh registry.fly.io/<app>:<tag>}
[[ ${image##*/} == *:* ]] || { echo "worker-image: give a pinned tag (…:<tag>), the app refers to it" >&2; exit 2; }

builder=${BUILDER:-}
if [ -z "$builder" ]; then
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then builder=docker
  elif command -v podman >/dev/null; then builder=podman
  elif command -v buildah >/dev/null; then builder=buildah
  else
    echo "worker-image: no container builder: install docker, or podman/buildah (apt-get install podman)" >&2
    exit 1
  fi
fi

echo "==> $builder: building $image (linux/amd64)"
case $builder in
  buildah) buildah build --platform linux/amd64 -f crates/worker/Dockerfile -t "$image" . ;;
  *) "$builder" build --platform linux/amd64 -f crates/worker/Dockerfile -t "$image" . ;;
esac

if [ "${PUSH:-0}" = 1 ]; then
  echo "==> pushing $image"
  "$builder" push "$image"
fi
