#!/usr/bin/env bash
# Runs the suite for each build dir given (unit tests, then end-to-end scripts) and ends with
# the line "N passed, M failed". Usage: tests/run.sh [--unit-only] BUILD_DIR...
set -u
cd "$(dirname "$0")/.." || exit 1
unit_only=0
if [ "${1:-}" = "--unit-only" ]; then unit_only=1; shift; fi
[ $# -gt 0 ] || set -- build
passed=0; failed=0; failed_names=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/vr-tests.XXXXXX")

count_cmocka() { # $1 log, $2 exit code, $3 name
    local p f
    p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$1" | tail -1 | grep -oE '[0-9]+' | head -1)
    f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$1" | tail -1 | grep -oE '[0-9]+' | head -1)
    p=${p:-0}; f=${f:-0}
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # crashed, or a sanitizer stopped it
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -gt 0 ] && failed_names+=("$3")
    printf '%-44s %4d passed %4d failed\n' "$3" "$p" "$f"
}

count_tap() { # $1 log, $2 exit code, $3 name
    local p f
    # a "# SKIP" is not a pass: it counts as a failure (a suite that cannot run must fail)
    p=$(grep -E '^ok ' "$1" | grep -cvE '# SKIP'); f=$(grep -cE '^not ok |^ok .*# SKIP' "$1")
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -gt 0 ] && failed_names+=("$3")
    printf '%-44s %4d passed %4d failed\n' "$3" "$p" "$f"
}

# One build's suite (unit tests, then end-to-end scripts); its counts go to $logdir/TAG.counts.
run_build() { # $1 build dir
    local build=$1 t s name log rc
    passed=0; failed=0; failed_names=()
    echo "== suite on $build"
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        name="$build/$(basename "$t")"
        log="$logdir/$(echo "$name" | tr / _).log"
        CMOCKA_MESSAGE_OUTPUT=stdout VR_BIN="$build/bin" timeout 300 "$t" >"$log" 2>&1
        rc=$?
        count_cmocka "$log" "$rc" "$name"
        if [ "$rc" -ne 0 ]; then sed 's/^/    /' "$log" | tail -40; fi
    done
    [ "$unit_only" -eq 1 ] && return 0
    for s in tests/e2e/test_*.sh; do
        [ -f "$s" ] || continue
        name="$build/e2e/$(basename "$s" .sh)"
        log="$logdir/$(echo "$name" | tr / _).log"
        VR_BIN="$build/bin" timeout 600 bash "$s" >"$log" 2>&1
        rc=$?
        count_tap "$log" "$rc" "$name"
        if grep -qE '^not ok ' "$log" || [ "$rc" -ne 0 ]; then
            grep -E -A12 '^not ok ' "$log" | sed 's/^/    /' | head -80
            [ "$rc" -ne 0 ] && { echo "    (exit $rc)"; tail -15 "$log" | sed 's/^/    /'; }
        fi
    done
}

# The builds run at once (their tests mostly wait on simulated convergence; each has its own
# lock folder), their output printed whole, in order. VR_TEST_SERIAL=1 runs them one by one.
pids=()
for build in "$@"; do
    tag=$(echo "$build" | tr / _)
    mkdir -m 0700 "$logdir/run-$tag"
    if [ "${VR_TEST_SERIAL:-0}" = 1 ] || [ $# -eq 1 ]; then
        XDG_RUNTIME_DIR="$logdir/run-$tag" run_build "$build" >"$logdir/$tag.out" 2>&1
        echo "$passed $failed ${failed_names[*]}" >"$logdir/$tag.counts"
    else
        ( XDG_RUNTIME_DIR="$logdir/run-$tag" run_build "$build" >"$logdir/$tag.out" 2>&1
          echo "$passed $failed ${failed_names[*]}" >"$logdir/$tag.counts" ) &
        pids+=($!)
    fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
passed=0; failed=0; failed_names=()
for build in "$@"; do
    tag=$(echo "$build" | tr / _)
    cat "$logdir/$tag.out"
    read -r p f names <"$logdir/$tag.counts" || { p=0; f=1; names="$build (no result)"; }
    passed=$((passed + p)); failed=$((failed + f))
    # shellcheck disable=SC2206  # the names have no spaces: word splitting is what we want
    [ -n "$names" ] && failed_names+=($names)
done
if [ "${#failed_names[@]}" -gt 0 ]; then
    echo "failing: ${failed_names[*]}"
    echo "logs kept in $logdir"
else
    rm -rf "$logdir"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
