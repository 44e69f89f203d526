#!/usr/bin/env bash
# Lints the GitHub workflows (.github/workflows/*.yml) with actionlint: they run only on GitHub,
# so this is their test here. actionlint comes from PyPI (scripts/install-deps.sh puts it in
# $ARKE_TOOLS/venv); with shellcheck on PATH it checks the `run:` scripts too.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=${ARKE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/arke-export-tools}
actionlint=$tools/venv/bin/actionlint
[ -x "$actionlint" ] || actionlint=$(command -v actionlint || true)
if [ -z "$actionlint" ]; then
  echo "actionlint is not installed: run scripts/install-deps.sh" >&2
  exit 1
fi
files=(.github/workflows/*.yml)
"$actionlint" -no-color "${files[@]}"
echo "workflows: ${#files[@]} files pass actionlint $("$actionlint" -version | head -1)"
