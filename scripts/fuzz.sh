#!/usr/bin/env bash
# Runs libFuzzer targets (built by `make fuzz-build` under BUILD_DIR/fuzz/) one after the
# other, each for FUZZ_SECONDS (default 60), in one process (no -jobs: the machine is shared).
# Seeds: fixtures/fuzz/<target>/, read only. New inputs go to BUILD_DIR/corpus/<target>/, crash
# reproducers to BUILD_DIR/artifacts/<target>/, the log to BUILD_DIR/logs/<target>.log: nothing
# is written into the tree. Dictionary: fuzz/yaml.dict for the YAML inputs, fuzz/json.dict for
# the others, plus fuzz/<target>.dict when there is one. Prints a table (executions, libFuzzer's
# final cov: and ft:, corpus size, result) and exits 1 when a target found a crash.
# Usage: scripts/fuzz.sh BUILD_DIR TARGET...
set -u
cd "$(dirname "$0")/.." || exit 2
[ $# -ge 2 ] || { echo "usage: scripts/fuzz.sh BUILD_DIR TARGET..." >&2; exit 2; }
build=$1; shift
secs=${FUZZ_SECONDS:-60}
# The targets that read a path write each input to a file (fuzz/harness.c): on tmpfs that is
# ten times faster than on a disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
status=0
printf '%-16s %12s %7s %7s %8s  %s\n' target executions cov ft corpus result
for t in "$@"; do
    bin=$build/fuzz/fuzz_$t
    seeds=fixtures/fuzz/$t
    scratch=$build/corpus/$t
    art=$build/artifacts/$t
    log=$build/logs/$t.log
    mkdir -p "$scratch" "$art" "$build/logs"
    [ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz-build)" >&2; status=1; continue; }
    [ -d "$seeds" ] || { echo "fuzz: $seeds is missing: every target needs seeds" >&2; status=1; continue; }
    case $t in
        inventory | credentials) dict=fuzz/yaml.dict ;;
        *) dict=fuzz/json.dict ;;
    esac
    if [ -f "fuzz/$t.dict" ]; then
        cat "$dict" "fuzz/$t.dict" >"$build/$t.dict"
        dict=$build/$t.dict
    fi
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -dict="$dict" -artifact_prefix="$art/" -print_final_stats=1 \
        "$scratch" "$seeds" >"$log" 2>&1
    rc=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
    if [ "$rc" -eq 0 ]; then
        result="no crash"
    else
        status=1
        result="FOUND (exit $rc): $(find "$art" -type f -printf '%f ' | head -c 300)see $log"
    fi
    printf '%-16s %12s %7s %7s %8s  %s\n' "$t" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
        "$result"
done
exit $status
