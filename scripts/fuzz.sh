#!/usr/bin/env bash
# Runs the libFuzzer targets of Fuzz/ (see Fuzz/README.md), each for a bounded time, and prints
# executions and findings per target. Used by `make fuzz`. A target stops at its first finding
# (libFuzzer's -fork mode would go on, but its restarts cost more than the slower targets run).
#
#   scripts/fuzz.sh [TARGET...]        default: every target
#   FUZZ_SECONDS=60                    time per target
#   FUZZ_JOBS=1                        targets run at once
#   FUZZ_BUILD=0                       use the fuzzer already built
#
# Each target's working corpus grows in Fuzz/.build/corpus/TARGET (seeded from the committed
# Fuzz/corpus/TARGET); crashes, timeouts and out-of-memory inputs land in
# Fuzz/.build/findings/TARGET/ and its log in Fuzz/.build/logs/TARGET.log. Exits 1 if any target
# found something.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
SWIFT=${SWIFT:-swift}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
ALL_TARGETS=(rpc json wfdb-header wfdb-signal wfdb-atr edf csv onnx keras hdf5)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    # --sanitize=fuzzer makes SwiftPM link libFuzzer's main; the combined flag after it is the
    # one swiftc keeps (the last -sanitize wins), instrumenting every Swift module for coverage
    # and with the address sanitizer.
    nice -n 19 "$SWIFT" build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -parse-as-library --product ecgd-fuzz 2>&1 | grep -v 'Cannot export local symbol' || true
fi
FUZZER=$("$SWIFT" build -c debug --show-bin-path)/ecgd-fuzz
[ -x "$FUZZER" ] || { echo "no fuzzer at $FUZZER" >&2; exit 2; }

# Swift's runtime keeps caches for the life of the process, which LeakSanitizer reports at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

run_target() {
    local target=$1
    mkdir -p ".build/corpus/$target" ".build/findings/$target" .build/logs
    local log=".build/logs/$target.log"
    local dict=""
    [ ! -f "dictionaries/$target.dict" ] || dict="dictionaries/$target.dict"
    ECGD_FUZZ_TARGET=$target nice -n 19 "$FUZZER" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=".build/findings/$target/" ${dict:+-dict=$dict} \
        ".build/corpus/$target" "corpus/$target" >"$log" 2>&1 || true
}

running=0
for target in "${TARGETS[@]}"; do
    run_target "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

status=0
printf '%-12s %12s %10s %8s  %s\n' target executions exec/s corpus findings
for target in "${TARGETS[@]}"; do
    log=".build/logs/$target.log"
    # The final statistics, or after a finding (which stops the target) the last status line.
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}')
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    rate=$((${execs:-0} / SECONDS_PER_TARGET))
    corpus=$(find ".build/corpus/$target" -type f | wc -l)
    findings=$(find ".build/findings/$target" -type f | wc -l)
    [ "$findings" = 0 ] || status=1
    printf '%-12s %12s %10s %8s  %s\n' "$target" "${execs:-0}" "$rate" "$corpus" \
        "$( [ "$findings" = 0 ] && echo none || echo "$findings in Fuzz/.build/findings/$target (log $log)")"
done
exit $status
