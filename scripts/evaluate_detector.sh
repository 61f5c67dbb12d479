#!/usr/bin/env bash
# Evaluate ecgd's QRS detector over a directory of WFDB records at several sampling rates
# (EC57 scoring: MLII lead, whole record, every annotated beat, 150 ms, flutter excluded).
#
# Usage: scripts/evaluate_detector.sh [--help] [evaluate-detector options...]
#   e.g. scripts/evaluate_detector.sh --data-dir ../shared/data/mitdb --rates 360,125,250,500,1000
# Builds ecgd in release (unless ECGD points at a binary) and runs `ecgd evaluate-detector`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    echo
    echo "Options of ecgd evaluate-detector:"
    ECGD_HELP=1
fi
if [[ -z "${ECGD:-}" ]]; then
    swift build -c release --product ecgd --scratch-path "${SCRATCH:-.build}" >&2
    ECGD="${SCRATCH:-.build}/release/ecgd"
fi
if [[ -n "${ECGD_HELP:-}" ]]; then exec "$ECGD" evaluate-detector --help; fi
exec "$ECGD" evaluate-detector "$@"
