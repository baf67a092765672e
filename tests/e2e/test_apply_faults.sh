#!/usr/bin/env bash
# vni-reconcile apply under faults: 429 and 5xx storms (no duplicate, no repeat before its
# Retry-After), short-lived tokens, a lost create response (taken as created), a table that
# never converges (the run stops there; a re-run finishes it), an unreachable gateway (nothing
# created for it), --keep-going.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

INV=$FIX/apply/three.yaml
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
all_active() { check_eq "$1: three connections, all active" "3 active" "$(live_states | sort | uniq -c | awk '{print $1, $2}')"; }
one_each() { check_eq "$1: no duplicate" "flt-vni-01 flt-vni-02 flt-vni-03" "$(live_names | tr '\n' ' ' | sed 's/ $//')"; }

# --- a 429 storm ---
start_sim --converge-ms 20-40 --seed 21 --rate-429 0.2 --retry-after 1
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_eq "429 storm: exit 0" 0 "$RC"
all_active "429 storm"
one_each "429 storm"
check "429 storm: the storm happened" test "$(sim_admin GET /__sim/requests | jq '[.[] | select(.status == 429)] | length')" -ge 2
check_eq "429 storm: no request repeated before its Retry-After" 0 "$(retry_after_violations)"
stop_sim

# --- a 5xx storm ---
start_sim --converge-ms 20-40 --seed 22 --rate-5xx 0.3 --retry-after 1
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_eq "5xx storm: exit 0" 0 "$RC"
all_active "5xx storm"
one_each "5xx storm"
check "5xx storm: the storm happened" test "$(sim_admin GET /__sim/requests | jq '[.[] | select(.status >= 500)] | length')" -ge 3
check_eq "5xx storm: no request repeated before a 503's Retry-After" 0 "$(retry_after_violations)"
check_eq "5xx storm: one successful create per interface" 3 "$(sim_admin GET /__sim/requests | jq --arg p "$CONNS" '[.[] | select(.method == "POST" and .path == $p and .status == 201)] | length')"
stop_sim

# --- tokens that expire during the run ---
start_sim --converge-ms 300 --seed 23 --token-lifetime 1
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_eq "short tokens: exit 0" 0 "$RC"
all_active "short tokens"
check "short tokens: new tokens were fetched during the run" test "$(count_req POST /oauth/token)" -ge 2
stop_sim

# --- a lost create response ---
start_sim --converge-ms 20-40 --seed 24 --drop-create 2
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/drop.jsonl"
check_eq "lost create: exit 0" 0 "$RC"
check_contains "lost create: counted as created" "Apply complete: 3 created, 0 deleted, 0 failed, 0 not attempted" "$OUT"
check_contains "lost create: progress says it was found" "flt-vni-02: created (found existing)" "$ERR"
all_active "lost create"
one_each "lost create"
check_eq "lost create: the dropped POST, then a 409 name.duplicate" "0 409" \
    "$(sim_admin GET /__sim/requests | jq -r --arg p "$CONNS" '[.[] | select(.method == "POST" and .path == $p and .status != 201) | .status] | map(tostring) | join(" ")')"
check_eq "lost create: its intent (started, no id yet), then audited as provisioned with the live id" \
    "started null provisioned $(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[] | select(.name == "flt-vni-02") | .id')" \
    "$(jq -r 'select(.interfaceName == "flt-vni-02" and .action == "vni_provisioning") | "\(.status) \(.interfaceId)"' "$T_DIR/drop.jsonl" | paste -sd' ')"
stop_sim

# --- a table that never converges ---
start_sim --converge-ms 20-40 --seed 25 --stuck-table rt-core
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --converge-timeout 1 --audit-log "$T_DIR/stuck.jsonl"
check_eq "stuck table: exit 1" 1 "$RC"
check_contains "stuck table: the step failed on convergence" "[1/3] flt-vni-01: create failed: routing table rt-core did not converge within 1 s" "$ERR"
check_contains "stuck table: later steps not attempted" "[3/3] flt-vni-03: not attempted: an earlier step failed" "$ERR"
check_contains "stuck table: summary" "Apply failed: 0 created, 0 deleted, 1 failed, 2 not attempted" "$OUT"
check_contains "stuck table: says which step failed" "  failed: flt-vni-01 (converge.timeout)" "$OUT"
check_contains "stuck table: says which were not attempted" "  not attempted: flt-vni-02, flt-vni-03" "$OUT"
check_eq "stuck table: only the first was created" "flt-vni-01" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
check_eq "stuck table: audit started (the create's intent), failed, skipped, skipped (no intent for a step not attempted)" \
    "started:null failed:converge.timeout skipped:null skipped:null" \
    "$(jq -r 'select(.action != "routing_sync") | "\(.status):\(.error.code // "null")"' "$T_DIR/stuck.jsonl" | tr '\n' ' ' | sed 's/ $//')"
check_eq "stuck table: the sync is audited as failed with why" "routing_sync:failed:converge.timeout" \
    "$(jq -r 'select(.action == "routing_sync") | "\(.action):\(.status):\(.error.code)"' "$T_DIR/stuck.jsonl" | head -1)"
check "stuck table: the failed record has the connection id" test "$(jq -r 'select(.status == "failed" and .action == "vni_provisioning") | .interfaceId' "$T_DIR/stuck.jsonl")" != null
sim_admin POST /__sim/faults '{"stuckTable": null}' >/dev/null
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/stuck.jsonl"
check_eq "stuck table, re-run: exit 0" 0 "$RC"
check_contains "stuck table, re-run: the rest created" "Apply complete: 2 created, 0 deleted, 0 failed, 0 not attempted" "$OUT"
all_active "stuck table, re-run"
one_each "stuck table, re-run"
check_eq "stuck table, re-run: two creates only" 2 "$(count_req POST "$CONNS")"
stop_sim

# --- a named connection left provisioning (a run that crashed between create and sync) ---
start_sim --converge-ms 20-40 --seed 27
sim_admin POST /__sim/connections '{"name": "flt-vni-01", "type": "ipconnect", "localIp": "10.2.1.1", "remoteIp": "203.0.113.31",
    "subnetCidr": "10.2.1.0/24", "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core", "state": "provisioning"}' >/dev/null
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/activate.jsonl"
check_eq "left provisioning: exit 0" 0 "$RC"
check_contains "left provisioning: synced and activated, the rest created" "Apply complete: 2 created, 0 deleted, 0 failed, 0 not attempted, 1 activated" "$OUT"
check_contains "left provisioning: progress" "[1/3] flt-vni-01: activated, converged in" "$ERR"
all_active "left provisioning"
one_each "left provisioning"
check_eq "left provisioning: audited as provisioned (its sync, then the step)" "routing_sync provisioned,vni_provisioning provisioned" "$(jq -r 'select(.interfaceName == "flt-vni-01") | "\(.action) \(.status)"' "$T_DIR/activate.jsonl" | paste -sd,)"
stop_sim

# --- an unreachable gateway ---
closed_port
check "closed port found" test -n "${CLOSED_PORT:-}"
start_probe_listener # closed_port replaced PROBE_PORT: a live listener again
start_sim --converge-ms 20-40 --seed 26
PM2=(--probe-map "203.0.113.31=127.0.0.1:$PROBE_PORT" --probe-map "203.0.113.32=127.0.0.1:$CLOSED_PORT" --probe-map "203.0.113.33=127.0.0.1:$PROBE_PORT")
run_vr apply -f "$INV" --auto-approve "${PM2[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/probe.jsonl"
check_eq "unreachable gateway: exit 1" 1 "$RC"
check_contains "unreachable gateway: the step failed with the probe's answer" "flt-vni-02: create failed: gateway 203.0.113.32 of flt-vni-02 (probed at 127.0.0.1:$CLOSED_PORT) is not reachable: connection refused" "$ERR"
check_eq "unreachable gateway: nothing created for it, nothing after it" "flt-vni-01" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
check_eq "unreachable gateway: one create sent" 1 "$(count_req POST "$CONNS")"
check_eq "unreachable gateway: audited as failed without an id" "failed null gateway.unreachable" \
    "$(jq -r 'select(.interfaceName == "flt-vni-02") | "\(.status) \(.interfaceId) \(.error.code)"' "$T_DIR/probe.jsonl")"
run_vr apply -f "$INV" --auto-approve "${PM2[@]}" --lock-dir "$LOCKS" --keep-going
check_eq "unreachable gateway, --keep-going: exit 1" 1 "$RC"
check_contains "unreachable gateway, --keep-going: the later step is done" "Apply failed: 1 created, 0 deleted, 1 failed, 0 not attempted" "$OUT"
check_eq "unreachable gateway, --keep-going: flt-vni-03 created too" "flt-vni-01 flt-vni-03" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
stop_sim

t_done
