#!/usr/bin/env bash
# Installs what building and testing ecgd needs, when it is missing:
# Debian packages (C libraries and tools) and a Python virtual environment in .venv.
# Idempotent and quick when everything is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

# fonts-dejavu-core: the font plotSegment draws its text in, so pictures look alike everywhere.
# libflac-dev: WFDB's FLAC formats 508/516/524.
APT_PACKAGES=(pkg-config zlib1g-dev libcairo2-dev libflac-dev fonts-dejavu-core python3-venv neovim)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python environment for the client, its tests and the protocol checks;
# `--dev` adds the benchmark peers and fixture tools (scripts/requirements-dev.txt).
# The `ecgd` package (clients/python) is installed editable, so scripts, tests and notebooks
# import it as users do, and edits to it apply without reinstalling.
REQ=scripts/requirements.txt
[ "${1:-}" = "--dev" ] && REQ=scripts/requirements-dev.txt
STAMP=".venv/.installed-$(basename "$REQ").sha256"
want=$(cat "$REQ" clients/python/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: preparing .venv from $REQ and clients/python" >&2
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r "$REQ" -e ./clients/python
    echo "$want" > "$STAMP"
fi
