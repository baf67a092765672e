#!/usr/bin/env bash
# Apply benchmark: N interfaces against vni-sim on loopback with convergence delays of a few
# hundred ms. Prints, per setting, the apply's wall time over the sum of the server's own
# convergence delays (the floor: apply waits for each table in turn) and the routing-table polls
# per step. The server's delays are exact: vni-sim's estimatedConvergenceMs is the delay it drew
# (recorded per step in `apply --format json`); with --no-estimate the server sends no
# estimate, so the run is repeated with the same seed as a run with estimates: the simulator
# draws the same delays for the same requests, and that run's sum is the sum. Usage: bench/bench_apply.sh [N] (default 20). Needs VR_BIN (build/bin).
set -eu
cd "$(dirname "$0")/.."
BIN=${VR_BIN:-build/bin}
N=${1:-${BENCH_APPLY_N:-20}}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vr-bench-apply.XXXXXX")
. bench/lib.sh

bash bench/gen_inventory.sh "$N" >"$TMP/inventory.yaml"
probe_listener "$TMP/inventory.yaml"
export VR_PROBE_LOOPBACK_ONLY=1 GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret

# one LABEL SERVER_SUM SIM_ARGS... : a fresh simulator, one apply of the N interfaces, one
# line. SERVER_SUM 0: the sum of the estimates of this run (also kept in $TMP/server_sum).
one() {
    local label=$1 fixed=$2
    shift 2
    bench_sim --seed 1 "$@"
    local sim=$SIM_PID
    local t0 t1
    t0=$(date +%s%N)
    "$BIN/vni-reconcile" apply -f "$TMP/inventory.yaml" --auto-approve --format json "${PM[@]}" \
        --lock-dir "$TMP/locks" >"$TMP/apply.json" 2>"$TMP/apply.err" || {
        echo "bench_apply: apply failed: $(tail -3 "$TMP/apply.err")" >&2
        return 1
    }
    t1=$(date +%s%N)
    bench_stop "$sim"
    jq -r --arg name "$label" --argjson server_sum "$fixed" --argjson proc $(((t1 - t0) / 1000000)) '
        .organizations[0] as $o
        | (if $server_sum > 0 then $server_sum else ($o.steps | map(.estimatedConvergenceMs) | add) end) as $server
        | ($o.steps | map(.latencyMs.total) | add) as $steps
        | "\($name): \($o.counts.created) created; steps \($steps) ms over server convergence \($server) ms = x\(($steps * 1000 / $server | round) / 1000); polls/step \(($o.counts.polls * 100 / ($o.steps | length) | round) / 100); whole process \($proc) ms"' \
        "$TMP/apply.json"
    jq '[.organizations[0].steps[].estimatedConvergenceMs // 0] | add' "$TMP/apply.json" >"$TMP/server_sum"
}

echo "== apply: $N interfaces, one routing table, vni-sim on loopback"
one "converge 200-400 ms, with estimate" 0 --converge-ms 200-400
one "converge 200-400 ms, no estimate  " "$(cat "$TMP/server_sum")" --converge-ms 200-400 --no-estimate
one "converge 300 ms, no estimate      " $((N * 300)) --converge-ms 300 --no-estimate
one "converge 50-800 ms, with estimate " 0 --converge-ms 50-800
one "converge 50-800 ms, no estimate   " "$(cat "$TMP/server_sum")" --converge-ms 50-800 --no-estimate
