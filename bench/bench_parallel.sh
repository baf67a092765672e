#!/usr/bin/env bash
# Many organizations at once (--parallelism N), against vni-sim on loopback.
#   drift and plan: 100 organizations of 5 interfaces (all live), vni-sim --latency-ms 30-30.
#     One organization's critical path is its requests one after the other (token,
#     organizations/me, connections, limits, routing tables: counted in the simulator's request
#     log) x 30 ms; the goal is a run within 1.3 x ceil(100/N) x that path, and the figure is
#     the ratio to it, with the speed-up over --parallelism 1 measured in the same run.
#   apply: 20 organizations with one create each, convergence 300 ms (vni-sim --converge-ms
#     300). The baseline is one organization's whole apply (the same inventory cut to one
#     organization, same simulator); the goal is within 1.3 x ceil(20/N) x that.
# Usage: bench/bench_parallel.sh (VR_BIN: the binaries, default build/bin; BENCH_RUNS: runs
# of each parallel setting, default 3; --parallelism 1 runs once: it is the slow one).
set -eu
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
RUNS=${BENCH_RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-bench-par.XXXXXX")
SIM_PID="" PROBE_PID=""
cleanup() {
    local p
    # Only processes still ours: each was started here, and its variable is emptied once ended.
    for p in "$SIM_PID" "$PROBE_PID"; do
        [ -n "$p" ] || continue
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
unset GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET GENESYSCLOUD_ACCESS_TOKEN \
    GENESYSCLOUD_REGION
export VR_PROBE_LOOPBACK_ONLY=1

# first_line FILE PREFIX : waits for a line starting with PREFIX, prints the rest.
first_line() {
    local line
    for _ in $(seq 1 200); do
        line=$(grep -m1 "^$2" "$1" 2>/dev/null || true)
        [ -n "$line" ] && { echo "${line#"$2"}"; return 0; }
        sleep 0.05
    done
    echo "bench_parallel: no '$2' in $1" >&2
    return 1
}
# sim_start STATE ARGS... : a fresh simulator; sets URL.
sim_start() {
    local state=$1
    shift
    "$BIN/vni-sim" --listen 127.0.0.1:0 --admin --seed 1 --state "$state" "$@" \
        >"$TMP/sim.out" 2>"$TMP/sim.err" &
    SIM_PID=$!
    URL=$(first_line "$TMP/sim.out" "vni-sim listening on ")
}
sim_stop() {
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=""
}
# ms COMMAND... : sets MS to the wall-clock milliseconds of one run (its output in
# $TMP/last.*; it must succeed). Not in a subshell: the cleanup must see every process.
ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >"$TMP/last.out" 2>"$TMP/last.err" || {
        echo "bench_parallel: failed: $* : $(tail -3 "$TMP/last.err")" >&2
        exit 1
    }
    t1=$(date +%s%N)
    MS=$(((t1 - t0) / 1000000))
}
# median of the arguments
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
ceil_div() { echo $((($1 + $2 - 1) / $2)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

## drift and plan: 100 organizations, 30 ms a request
bash bench/gen_orgs.sh "$TMP/o100" 100 5 5
sim_start "$TMP/o100/state.json" --latency-ms 30-30
C=(-f "$TMP/o100/inv" --credentials "$TMP/o100/credentials.yaml" --api-url "$URL")
echo "== many organizations: 100 organizations x 5 interfaces, vni-sim --latency-ms 30-30"
for cmd in drift plan; do
    curl -sS -X DELETE "$URL/__sim/requests" >/dev/null
    ms "$BIN/vni-reconcile" "$cmd" "${C[@]}" --parallelism 1
    t1=$MS
    reqs=$(curl -sS "$URL/__sim/requests" | jq length)
    per_org=$((reqs / 100))
    path=$((per_org * 30))
    printf '%s: %d requests per organization, one after the other: critical path %d ms\n' \
        "$cmd" "$per_org" "$path"
    printf '  %-16s %6d ms   %.2f x 100 x path\n' "--parallelism 1" "$t1" "$(ratio "$t1" $((100 * path)))"
    for n in 10 25 64; do
        times=()
        for ((r = 0; r < RUNS; r++)); do
            ms "$BIN/vni-reconcile" "$cmd" "${C[@]}" --parallelism "$n"
            times+=("$MS")
        done
        t=$(median "${times[@]}")
        bound=$(($(ceil_div 100 "$n") * path))
        printf '  %-16s %6d ms   %.2f x ceil(100/%d) x path (%d ms; goal <= 1.30)   %.1f x faster than --parallelism 1\n' \
            "--parallelism $n" "$t" "$(ratio "$t" "$bound")" "$n" "$bound" "$(ratio "$t1" "$t")"
    done
done
sim_stop

## apply: 20 organizations, one create each, 300 ms convergence
bash bench/gen_orgs.sh "$TMP/o20" 20 1 0
bash bench/gen_orgs.sh "$TMP/o1" 1 1 0
"$BIN/vni-sim" --probe-listener 127.0.0.1:0 >"$TMP/probe.out" 2>&1 &
PROBE_PID=$!
PROBE=$(first_line "$TMP/probe.out" "vni-sim probe listener on ")
# apply_ms DIR ARGS... : one apply of DIR's organizations on a fresh simulator (sets MS); every
# organization must have created its interface.
apply_ms() {
    local dir=$1 n
    shift
    sim_start "$dir/state.json" --converge-ms 300
    ms "$BIN/vni-reconcile" apply -f "$dir/inv" --credentials "$dir/credentials.yaml" \
        --api-url "$URL" --auto-approve --format json --probe-map "203.0.113.1=$PROBE" \
        --lock-dir "$TMP/locks" "$@"
    n=$(jq '[.organizations[].counts.created] | add' "$TMP/last.out")
    [ "$n" = "$(find "$dir/inv" -name '*.yaml' | wc -l)" ] || {
        echo "bench_parallel: apply created $n interfaces" >&2
        exit 1
    }
    sim_stop
}
echo "== many organizations: apply of 20 organizations, one create each, vni-sim --converge-ms 300"
times=()
for ((r = 0; r < RUNS; r++)); do
    apply_ms "$TMP/o1"
    times+=("$MS")
done
one=$(median "${times[@]}")
printf '  %-16s %6d ms   (one organization alone: the baseline)\n' "1 organization" "$one"
apply_ms "$TMP/o20" --parallelism 1
t1=$MS
printf '  %-16s %6d ms   %.2f x 20 x one\n' "--parallelism 1" "$t1" "$(ratio "$t1" $((20 * one)))"
for n in 4 10 20; do
    times=()
    for ((r = 0; r < RUNS; r++)); do
        apply_ms "$TMP/o20" --parallelism "$n"
        times+=("$MS")
    done
    t=$(median "${times[@]}")
    bound=$(($(ceil_div 20 "$n") * one))
    printf '  %-16s %6d ms   %.2f x ceil(20/%d) x one (%d ms; goal <= 1.30)   %.1f x faster than --parallelism 1\n' \
        "--parallelism $n" "$t" "$(ratio "$t" "$bound")" "$n" "$bound" "$(ratio "$t1" "$t")"
done
