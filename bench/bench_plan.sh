#!/usr/bin/env bash
# Plan benchmark: `plan --detailed-exitcode` of N generated interfaces (default 10,000) against
# an organization of vni-sim holding N live connections: N others (a plan of N creations beside
# N unmanaged connections, exit 2) and the same N (nothing to change, exit 0). Prints, per
# case, the exit code, the peak resident memory (/usr/bin/time), the connection pages read
# against ceil(N/200) and every API call, and the wall time. Usage: bench/bench_plan.sh [N].
# Needs VR_BIN (build/bin).
set -eu
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
N=${1:-${BENCH_PLAN_N:-10000}}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-bench-plan.XXXXXX")
. bench/lib.sh
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret

bash bench/gen_inventory.sh "$N" >"$TMP/inventory.yaml"

# one LABEL FIRST : a simulator holding interfaces FIRST+1..FIRST+N, one plan, one line.
one() {
    local label=$1 first=$2
    bash bench/gen_inventory.sh --sim-state "$N" "$first" >"$TMP/state.json"
    bench_sim --admin --seed 1 --state "$TMP/state.json"
    local t0 t1
    t0=$(date +%s%N)
    peak "$TMP/plan" "$BIN/vni-reconcile" plan --detailed-exitcode -f "$TMP/inventory.yaml"
    t1=$(date +%s%N)
    curl -s "$GENESYSCLOUD_API_URL/__sim/requests" >"$TMP/requests.json"
    bench_stop "$SIM_PID"
    local pages calls
    pages=$(jq '[.[] | select(.method == "GET" and (.path | startswith("/api/v2/organization/privateconnectivity/connections?")))] | length' "$TMP/requests.json")
    calls=$(jq 'length' "$TMP/requests.json")
    printf '%s: exit %d; peak memory %s MiB (goal: under 32 MiB); connection pages %d (ceil(%d/200) = %d), API calls %d; %d ms\n' \
        "$label" "$PEAK_RC" "$(mib "$PEAK_KIB")" "$pages" "$N" $(((N + 199) / 200)) "$calls" $(((t1 - t0) / 1000000))
}

echo "== plan --detailed-exitcode: $N interfaces, $N live connections, vni-sim on loopback"
one "$N to create beside $N unmanaged" "$N"
one "$N unchanged                     " 0
