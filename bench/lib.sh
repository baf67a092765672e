# bench/lib.sh: what the benchmark scripts share; sourced (bash). The caller sets TMP.

# Processes a script started and that may still run, by PID (stop_started ends them).
PIDS=()

# stop_started : ends every process in PIDS that is still ours, then forgets them.
stop_started() {
    local p
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] || continue
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    PIDS=()
}

# stop_one PID : ends one of them (and never signals that PID again).
stop_one() {
    local p kept=()
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    for p in "${PIDS[@]:-}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]:-}")
}

# first_line FILE PREFIX : waits for a line starting with PREFIX, prints the rest.
first_line() {
    local i line
    for i in $(seq 1 200); do
        line=$(grep -m1 "^$2" "$1" 2>/dev/null || true)
        [ -n "$line" ] && { echo "${line#"$2"}"; return 0; }
        sleep 0.05
    done
    echo "bench: no '$2' in $1" >&2
    return 1
}

# start_sim ARGS... : a fresh vni-sim on a loopback port (more ARGS: its options); sets SIM_PID
# and SIM_URL.
start_sim() {
    "$BIN/vni-sim" --listen 127.0.0.1:0 "$@" >"$TMP/sim.out" 2>"$TMP/sim.err" &
    SIM_PID=$!
    PIDS+=("$SIM_PID")
    SIM_URL=$(first_line "$TMP/sim.out" "vni-sim listening on ")
}

# peak OUT CMD... : runs CMD (output to OUT.out, OUT.err) under /usr/bin/time; sets PEAK_KIB to
# its peak resident set (KiB) and PEAK_RC to its exit code.
peak() {
    local out=$1
    shift
    PEAK_RC=0
    /usr/bin/time -f '%M' -o "$out.rss" "$@" >"$out.out" 2>"$out.err" || PEAK_RC=$?
    PEAK_KIB=$(tail -1 "$out.rss")
}

# mib KIB : KiB as MiB with one decimal.
mib() {
    awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}
