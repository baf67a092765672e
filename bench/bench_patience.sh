#!/usr/bin/env bash
# Patience benchmark (docs/cli.md "Patience"): an apply of N interfaces (default 20) against
# `vni-sim --rate-429 0.3 --rate-5xx 0.1` (three requests in ten answered 429 with a Retry-After
# of 1 s, one in ten of the others a 500/502/503/504), R times (BENCH_RUNS, default 5), each
# against a fresh simulator seeded with the run's number; then the same applies against a
# simulator without faults, the baseline. A run succeeds when apply exits 0 saying "N created"
# and the simulator holds N active connections of N distinct names (no duplicate). Prints per
# setting the runs that succeeded, the wall time and the requests the simulator received (the
# refused ones included), each as median (min-max), then the ratios of the medians.
# Usage: bench/bench_patience.sh [N]. Needs VR_BIN (build/bin), curl and jq.
set -eu
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
N=${1:-${BENCH_PATIENCE_N:-20}}
R=${BENCH_RUNS:-5}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-bench-patience.XXXXXX")
. bench/lib.sh

bash bench/gen_inventory.sh "$N" >"$TMP/inventory.yaml"
probe_listener "$TMP/inventory.yaml"
export VR_PROBE_LOOPBACK_ONLY=1 GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret

# stats V... : "median (min-max)" of whole numbers.
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%d (%d-%d)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# series LABEL SIM_ARGS... : R applies, each against a fresh simulator; one line; the medians
# are left in MED_MS and MED_REQ.
series() {
    local label=$1 i rc t0 t1 state requests active distinct ok=0
    shift
    local ms=() req=() r429=() r5xx=()
    for ((i = 1; i <= R; i++)); do
        bench_sim --admin --seed "$i" --converge-ms 200-400 "$@"
        rc=0
        t0=$(date +%s%N)
        "$BIN/vni-reconcile" apply -f "$TMP/inventory.yaml" --auto-approve "${PM[@]}" \
            --lock-dir "$TMP/locks" >"$TMP/apply.out" 2>"$TMP/apply.err" || rc=$?
        t1=$(date +%s%N)
        state=$(curl -sS "$GENESYSCLOUD_API_URL/__sim/state")
        requests=$(curl -sS "$GENESYSCLOUD_API_URL/__sim/requests")
        bench_stop "$SIM_PID"
        active=$(jq '[.organizations[0].connections[] | select(.state == "active")] | length' <<<"$state")
        distinct=$(jq '[.organizations[0].connections[].name] | unique | length' <<<"$state")
        if [ "$rc" -eq 0 ] && grep -q "^Apply complete: $N created" "$TMP/apply.out" &&
            [ "$active" -eq "$N" ] && [ "$distinct" -eq "$N" ]; then
            ok=$((ok + 1))
        else
            echo "bench_patience: $label, run $i failed: exit $rc, $active active, $distinct names: $(tail -3 "$TMP/apply.err")" >&2
        fi
        ms+=($(((t1 - t0) / 1000000)))
        req+=("$(jq length <<<"$requests")")
        r429+=("$(jq '[.[] | select(.status == 429)] | length' <<<"$requests")")
        r5xx+=("$(jq '[.[] | select(.status >= 500)] | length' <<<"$requests")")
    done
    MED_MS=$(median "${ms[@]}")
    MED_REQ=$(median "${req[@]}")
    printf '%-40s %d/%d succeeded; wall ms %s; requests %s, of them 429 %s, 5xx %s\n' "$label:" "$ok" "$R" \
        "$(stats "${ms[@]}")" "$(stats "${req[@]}")" "$(stats "${r429[@]}")" "$(stats "${r5xx[@]}")"
}

echo "== patience: apply of $N interfaces, $R runs each, vni-sim on loopback (converge 200-400 ms)"
series "--rate-429 0.3 --rate-5xx 0.1" --rate-429 0.3 --rate-5xx 0.1
faulted_ms=$MED_MS faulted_req=$MED_REQ
series "no faults (baseline)"
awk -v fm="$faulted_ms" -v fr="$faulted_req" -v cm="$MED_MS" -v cr="$MED_REQ" \
    'BEGIN { printf "faulted over baseline (medians): wall x%.2f, requests x%.2f\n", fm / cm, fr / cr }'
