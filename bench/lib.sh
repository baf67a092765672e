# shellcheck shell=bash
# Helpers of the benchmark scripts (sourced): processes started here are ended by PID at exit,
# first_line waits for a server's first line. Needs TMP (a folder the caller made and owns).
PIDS=()
bench_cleanup() {
    local p
    # Only processes still ours: each was started here and is removed from PIDS once ended.
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] || continue
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap bench_cleanup EXIT

# bench_stop PID : ends a process started here and forgets it (never signalled again).
bench_stop() {
    local p kept=()
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    # exact matches only: ${PIDS[@]/$1/} would also cut 123 out of 1234, leaving 4 to signal
    for p in "${PIDS[@]:-}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]:-}")
}

# first_line FILE PREFIX : waits for a line starting with PREFIX, prints the rest.
first_line() {
    local line
    for _ in $(seq 1 200); do
        line=$(grep -m1 "^$2" "$1" 2>/dev/null || true)
        [ -n "$line" ] && { echo "${line#"$2"}"; return 0; }
        sleep 0.05
    done
    echo "bench: no '$2' in $1" >&2
    return 1
}

# probe_listener INVENTORY : starts a probe listener; sets PM=(--probe-map IP=HOST:PORT ...)
# for every remoteIp of the inventory.
probe_listener() {
    "$BIN/vni-sim" --probe-listener 127.0.0.1:0 >"$TMP/probe.out" 2>&1 &
    PIDS+=($!)
    local probe ip
    probe=$(first_line "$TMP/probe.out" "vni-sim probe listener on ")
    PM=()
    # shellcheck disable=SC2013  # addresses have no spaces: word splitting is what we want
    for ip in $(sed -n 's/^ *remoteIp: *//p' "$1"); do PM+=(--probe-map "$ip=$probe"); done
}

# bench_sim ARGS... : starts a fresh vni-sim on a free loopback port with ARGS; sets SIM_PID
# and exports GENESYSCLOUD_API_URL (its URL).
bench_sim() {
    "$BIN/vni-sim" --listen 127.0.0.1:0 "$@" >"$TMP/sim.out" 2>"$TMP/sim.err" &
    SIM_PID=$!
    PIDS+=("$SIM_PID")
    export GENESYSCLOUD_API_URL
    GENESYSCLOUD_API_URL=$(first_line "$TMP/sim.out" "vni-sim listening on ")
}

# peak OUT CMD... : runs CMD (output to OUT.out, OUT.err) under /usr/bin/time (package `time`);
# sets PEAK_KIB to its peak resident set size (KiB) and PEAK_RC to its exit code.
peak() {
    local out=$1
    shift
    # shellcheck disable=SC2034  # PEAK_RC and PEAK_KIB are the callers' to read
    PEAK_RC=0
    # shellcheck disable=SC2034
    /usr/bin/time -f '%M' -o "$out.rss" "$@" >"$out.out" 2>"$out.err" || PEAK_RC=$?
    # shellcheck disable=SC2034
    PEAK_KIB=$(tail -1 "$out.rss")
}

# mib KIB : KiB as MiB, one decimal.
mib() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}
