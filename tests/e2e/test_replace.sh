#!/usr/bin/env bash
# Replacement against vni-sim: a field changed by hand (drift shows the repair; plan
# --replace-drifted marks it -/+; the saved plan carries it; apply deletes, syncs, creates,
# syncs, audits both halves with "replacement": true, counts it in metrics and the Git report),
# a connection the platform left failed (replaced by default, --no-replace-failed keeps it), a
# move to another routing table (both tables synced), protect and unknown names (exit 3),
# --max-replaces (deferred; a saved plan bounded too), a create that fails after the delete
# (loud, exit 1, missing; the next run creates it), and SIGKILL between the delete and the
# create, and after the create: the next run finishes the job, with or without --replace,
# never a duplicate. Last, the demo's repair of its hand-changed interface.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

INV=$FIX/apply/three.yaml
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
APPLY=(--lock-dir "$LOCKS" "${PM[@]}")
conn() { sim_admin GET /__sim/state | jq -r --arg n "$1" ".organizations[0].connections[] | select(.name == \$n) | .$2"; }
patch() { sim_admin PATCH "/__sim/connections/$(conn "$1" id)" "$2" >/dev/null; }
all_active() { check_eq "$1: three connections, one each, all active" "flt-vni-01:active flt-vni-02:active flt-vni-03:active" \
    "$(sim_admin GET /__sim/state | jq -r '[.organizations[0].connections[] | "\(.name):\(.state)"] | sort | join(" ")')"; }
# req_log: the API requests of the log that change something, as "METHOD path" lines
req_log() { sim_admin GET /__sim/requests | jq -r '.[] | select(.path | startswith("/api/")) | select(.method != "GET") | "\(.method) \(.path)"'; }

start_sim --converge-ms 30-60 --seed 41
run_vr apply -f "$INV" --auto-approve "${APPLY[@]}"
check_eq "setup: three interfaces applied" 0 "$RC"

# --- a field changed by hand ---
OLD2=$(conn flt-vni-02 id)
patch flt-vni-02 '{"remoteIp": "203.0.113.99"}'
run_vr drift -f "$INV" --no-color
check_contains "drift: the different field" "remoteIp: inventory 203.0.113.32, live 203.0.113.99" "$OUT"
check_contains "drift: the command that repairs it" "repair: vni-reconcile apply -f $INV --replace flt-vni-02" "$OUT"
check_eq "drift --format json: the repair command" "vni-reconcile apply -f $INV --replace flt-vni-02" \
    "$("$VR" drift -f "$INV" --format json | jq -r '.organizations[0].interfaces[] | select(.name == "flt-vni-02") | .repair')"
run_vr plan -f "$INV" --no-color --detailed-exitcode
check_eq "plan without --replace-drifted: drift alone is no change (exit 0)" 0 "$RC"
check_contains "plan without --replace-drifted: shown, not replaced" "~ drift flt-vni-02" "$OUT"
run_vr plan -f "$INV" --no-color --detailed-exitcode --replace-drifted --out "$T_DIR/plan.json"
check_eq "plan --replace-drifted: a change (exit 2)" 2 "$RC"
check_contains "plan --replace-drifted: marked -/+" "-/+ replace flt-vni-02 (id $OLD2, active)" "$OUT"
check_contains "plan --replace-drifted: the field difference, live to inventory" "~ remoteIp: 203.0.113.99 → 203.0.113.32" "$OUT"
check_contains "plan --replace-drifted: the summary counts it" "Plan: 0 to create, 0 to delete, 1 to replace, 2 unchanged, 0 drifted" "$OUT"
check_eq "plan file: the replace action, its payload and what it replaces" "replace flt-vni-02 203.0.113.32 $OLD2 active remoteIp 203.0.113.99" \
    "$(jq -r '.organizations[0].actions[0] | "\(.action) \(.name) \(.payload.remoteIp) \(.replaces.id) \(.replaces.state) \(.replaces.fields[0].field) \(.replaces.fields[0].live)"' "$T_DIR/plan.json")"
check_eq "plan file: the options it was made with" "true true 1" \
    "$(jq -r '.options | "\(.replaceDrifted) \(.replaceFailed) \(.maxReplaces)"' "$T_DIR/plan.json")"
check_contains "plan --format markdown: the replacement" "replace (-/+)" "$("$VR" plan -f "$INV" --replace-drifted --format markdown)"
check_eq "plan only reads" 0 "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method == "DELETE")] | length')"

REPO=$T_DIR/audit-repo
git init -q -b main "$REPO"
git -C "$REPO" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply "$T_DIR/plan.json" "${APPLY[@]}" --audit-log "$T_DIR/audit.jsonl" \
    --metrics-file "$T_DIR/m.prom" --audit-repo "$REPO"
check_eq "apply the saved plan: exit 0" 0 "$RC"
check_contains "apply: the summary counts it" "Apply complete: 0 created, 0 deleted, 1 replaced, 0 failed, 0 not attempted" "$OUT"
check_contains "apply: progress" "[1/1] flt-vni-02: replaced, converged in" "$ERR"
check_eq "apply: the field is repaired" "203.0.113.32" "$(conn flt-vni-02 remoteIp)"
check "apply: a new connection (the old id is gone)" test "$(conn flt-vni-02 id)" != "$OLD2"
all_active "apply"
check_eq "apply: delete, sync its table, then create, sync" \
    "DELETE $CONNS/$OLD2|POST /api/v2/architect/networking/routingtables/rt-core/sync|POST $CONNS|POST /api/v2/architect/networking/routingtables/rt-core/sync" \
    "$(req_log | paste -sd'|')"
check_eq "audit: an intent (started) before the delete and the create; the deletion and the provisioning, each with replacement: true" \
    "vni_deletion:started:true routing_sync:deleted:null vni_deletion:deleted:true vni_provisioning:started:true routing_sync:provisioned:null vni_provisioning:provisioned:true" \
    "$(jq -rs '[.[] | "\(.action):\(.status):\(.replacement)"] | join(" ")' "$T_DIR/audit.jsonl")"
check_eq "audit: the deletion names the old id (its intent too), the provisioning the new" "$OLD2 $OLD2 null $(conn flt-vni-02 id)" \
    "$(jq -rs '[.[] | select(.replacement) | .interfaceId // "null"] | join(" ")' "$T_DIR/audit.jsonl")"
check_contains "metrics: the replacement counted" 'vni_reconcile_replacements_total{org="'"$ORG"'",status="replaced"} 1' "$(cat "$T_DIR/m.prom")"
check_contains "metrics: its deletion record counted" 'action="vni_deletion",status="deleted"} 1' "$(cat "$T_DIR/m.prom")"
REPORT=$(git -C "$REPO" show "vni-audit:$(git -C "$REPO" ls-tree -r --name-only vni-audit | grep 'apply.json$')")
check_eq "Git report: what was replaced and why" "replace $OLD2 differs live in remoteIp (--replace-drifted)" \
    "$(jq -r '.steps[0] | "\(.action) \(.replaces.id) \(.reason)"' <<<"$REPORT")"
check_contains "Git report: the commit message counts it" "1 replaced" "$(git -C "$REPO" log -1 --format=%s vni-audit)"
run_vr plan -f "$INV" --detailed-exitcode --replace-drifted
check_eq "after the repair: nothing to do" 0 "$RC"

# --- a connection the platform left failed ---
patch flt-vni-01 '{"state": "failed"}'
run_vr plan -f "$INV" --no-color --detailed-exitcode
check_eq "failed: replaced by default (exit 2)" 2 "$RC"
check_contains "failed: the reason" "reason: live state failed (failed connections are replaced by default)" "$OUT"
run_vr plan -f "$INV" --no-color --detailed-exitcode --no-replace-failed
check_eq "failed, --no-replace-failed: left alone (exit 0)" 0 "$RC"
check_contains "failed, --no-replace-failed: shown as not active" "! not active flt-vni-01" "$OUT"
check_contains "drift: repair for a failed one too" "repair: vni-reconcile apply -f $INV --replace flt-vni-01" "$("$VR" drift -f "$INV" --no-color)"
run_vr apply -f "$INV" --auto-approve "${APPLY[@]}"
check_eq "failed: apply replaces it (exit 0)" 0 "$RC"
all_active "failed"

# --- a move to another routing table: both tables synced ---
sed 's/routingTableId: rt-edge/routingTableId: rt-core/' "$INV" >"$T_DIR/moved.yaml"
OLD3=$(conn flt-vni-03 id)
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply -f "$T_DIR/moved.yaml" --auto-approve --replace-drifted --no-color "${APPLY[@]}"
check_eq "move: exit 0" 0 "$RC"
check_contains "move: the table difference" "~ routingTableId: rt-edge → rt-core" "$OUT"
check_eq "move: the old table synced after the delete, the new one after the create" \
    "DELETE $CONNS/$OLD3|POST /api/v2/architect/networking/routingtables/rt-edge/sync|POST $CONNS|POST /api/v2/architect/networking/routingtables/rt-core/sync" \
    "$(req_log | paste -sd'|')"
check_eq "move: live in its new table, active" "rt-core active" "$(conn flt-vni-03 routingTableId) $(conn flt-vni-03 state)"

# --- protect, unknown names ---
awk '{print} /name: flt-vni-01/ {print "    protect: true"}' "$T_DIR/moved.yaml" >"$T_DIR/protected.yaml"
run_vr plan -f "$T_DIR/protected.yaml" --replace flt-vni-01
check_eq "--replace of a protected interface: exit 3" 3 "$RC"
check_contains "--replace of a protected interface: says why" "protect: true; a protected interface is never replaced" "$OUT$ERR"
patch flt-vni-01 '{"description": "by hand"}'
run_vr plan -f "$T_DIR/protected.yaml" --replace-drifted --no-color --detailed-exitcode
check_eq "a protected interface that drifted: not replaced, a warning (exit 0)" 0 "$RC"
check_contains "a protected interface that drifted: the warning" "warning: interface flt-vni-01 (id $(conn flt-vni-01 id)) differs live, but it is protect: true: not replaced" "$OUT"
check_not_contains "a protected interface that drifted: its drift line does not say --replace-drifted would replace it" "(--replace-drifted replaces it)" "$OUT"
check_contains "a protected interface that drifted: its drift line points to the warning" "not replaced in this run (see the warning below)" "$OUT"
run_vr plan -f "$T_DIR/moved.yaml" --replace flt-vni-1
check_eq "--replace of a name the inventory lacks: exit 3" 3 "$RC"
check_contains "--replace of a name the inventory lacks: a suggestion" "did you mean flt-vni-01?" "$OUT$ERR"
run_vr apply -f "$T_DIR/moved.yaml" --auto-approve --replace no-such-vni "${APPLY[@]}"
check_eq "apply --replace of an unknown name: exit 3, before any change" 3 "$RC"

# --- --max-replaces: one per run by default, the rest deferred; a saved plan bounded too ---
patch flt-vni-02 '{"remoteIp": "203.0.113.98"}'
run_vr plan -f "$T_DIR/moved.yaml" --replace-drifted --no-color
check_contains "max-replaces: one replacement" "1 to replace" "$OUT"
check_contains "max-replaces: the other deferred" "replacement deferred to a later run; at most 1 replacement per run (--max-replaces)" "$OUT"
run_vr plan -f "$T_DIR/moved.yaml" --replace-drifted --max-replaces 2 --out "$T_DIR/two.json"
check_eq "max-replaces 2: both in the saved plan" 2 "$(jq '[.organizations[0].actions[] | select(.action == "replace")] | length' "$T_DIR/two.json")"
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply "$T_DIR/two.json" "${APPLY[@]}"
check_eq "a saved plan over --max-replaces: refused (exit 1)" 1 "$RC"
check_contains "a saved plan over --max-replaces: says so" "more than --max-replaces 1 allows" "$ERR"
check_eq "a saved plan over --max-replaces: nothing sent" 0 "$(sim_admin GET /__sim/requests | jq 'length')"
run_vr apply "$T_DIR/two.json" "${APPLY[@]}" --max-replaces 2
check_eq "the same plan with --max-replaces 2: applied" 0 "$RC"
check_contains "the same plan with --max-replaces 2: two replaced" "2 replaced" "$OUT"
stop_sim

# --- a create that fails after the delete: loud, exit 1, the next run creates it ---
start_sim --converge-ms 1500 --seed 42
run_vr apply -f "$INV" --auto-approve "${APPLY[@]}"
OLD2=$(conn flt-vni-02 id)
"$VR" apply -f "$INV" --auto-approve --replace flt-vni-02 "${APPLY[@]}" --audit-log "$T_DIR/fail.jsonl" \
    >"$T_DIR/fail.out" 2>"$T_DIR/fail.err" </dev/null &
APPLY_PID=$!
T_PIDS+=("$APPLY_PID")
wait_for_req DELETE "$CONNS/$OLD2" 1
# while the old table converges, something takes the interface's address
sim_admin POST /__sim/connections '{"name": "squatter", "localIp": "10.2.2.1", "remoteIp": "203.0.113.77",
  "subnetCidr": "10.2.2.0/24", "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"}' >/dev/null
wait "$APPLY_PID"
check_eq "create fails after the delete: exit 1" 1 "$?"
check_contains "create fails after the delete: the interface is named as missing" "flt-vni-02 is missing live" "$(cat "$T_DIR/fail.err")"
check_contains "create fails after the delete: what to do" "the next run creates it" "$(cat "$T_DIR/fail.err")"
check_contains "create fails after the delete: loud after the summary" "MISSING: flt-vni-02" "$(cat "$T_DIR/fail.out")"
check_eq "create fails after the delete: audit deleted, then failed (outcomes, started left out)" "vni_deletion:deleted vni_provisioning:failed" \
    "$(jq -rs '[.[] | select(.replacement and .status != "started") | "\(.action):\(.status)"] | join(" ")' "$T_DIR/fail.jsonl")"
sim_admin DELETE "/__sim/connections/$(conn squatter id)" >/dev/null
run_vr apply -f "$INV" --auto-approve "${APPLY[@]}"
check_eq "the next run: exit 0" 0 "$RC"
check_contains "the next run: creates it" "Apply complete: 1 created" "$OUT"
all_active "after the failed replacement"

# --- SIGKILL between the delete and the create; then after the create ---
crash_after() { # crash_after DESC METHOD PATH [ARGS...]: start a replacement, SIGKILL it after that request
    local desc=$1 m=$2 p=$3
    shift 3
    "$VR" apply -f "$INV" --auto-approve "${APPLY[@]}" --audit-log "$T_DIR/crash.jsonl" "$@" \
        >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" </dev/null &
    APPLY_PID=$!
    T_PIDS+=("$APPLY_PID")
    wait_for_req "$m" "$p" 1
    kill -9 "$APPLY_PID" 2>/dev/null
    wait "$APPLY_PID" 2>/dev/null
    check_eq "crash $desc: the apply was killed" 137 "$?"
}
for rerun in with without; do
    sim_admin DELETE /__sim/requests >/dev/null
    OLD2=$(conn flt-vni-02 id)
    crash_after "between delete and create ($rerun --replace on the re-run)" DELETE "$CONNS/$OLD2" --replace flt-vni-02
    check_eq "crash between delete and create: the interface is missing" "" "$(conn flt-vni-02 id)"
    check_eq "crash between delete and create: no create was sent" 0 "$(count_req POST "$CONNS")"
    check "crash between delete and create: the audit log holds only whole JSON lines" \
        jq -e -s 'all(.[]; has("eventId"))' "$T_DIR/crash.jsonl"
    check_eq "crash between delete and create: the intent of the delete is on record, with the old id" "$OLD2" \
        "$(jq -rs --arg id "$OLD2" '[.[] | select(.action == "vni_deletion" and .status == "started" and .interfaceId == $id)] | .[0].interfaceId' "$T_DIR/crash.jsonl")"
    if [ "$rerun" = with ]; then
        run_vr apply -f "$INV" --auto-approve "${APPLY[@]}" --replace flt-vni-02 --no-color
        check_contains "re-run with --replace: it is created (not live, so not replaced)" "warning: interface flt-vni-02: --replace names it, but it has no live connection; it is created instead" "$OUT"
    else
        run_vr apply -f "$INV" --auto-approve "${APPLY[@]}"
    fi
    check_eq "re-run $rerun --replace: exit 0" 0 "$RC"
    check_contains "re-run $rerun --replace: created" "Apply complete: 1 created, 0 deleted, 0 failed" "$OUT"
    all_active "re-run $rerun --replace"
done
sim_admin DELETE /__sim/requests >/dev/null
crash_after "after the create" POST "$CONNS" --replace flt-vni-02
check_eq "crash after the create: the new connection is there, provisioning" "provisioning" "$(conn flt-vni-02 state)"
run_vr apply -f "$INV" --auto-approve "${APPLY[@]}"
check_eq "re-run after the create: exit 0" 0 "$RC"
check_contains "re-run after the create: the existing recovery (activated), nothing created" "0 created, 0 deleted, 0 failed, 0 not attempted, 1 activated" "$OUT"
all_active "re-run after the create"
check_eq "never a duplicate: one successful create for the crashed replacement and its re-run" 1 \
    "$(sim_admin GET /__sim/requests | jq --arg p "$CONNS" '[.[] | select(.method == "POST" and .path == $p and .status == 201)] | length')"
stop_sim

# --- the demo: after its drift step, plan --replace-drifted and an apply repair the interface
# changed by hand, and the last drift finds no different interface ---
DEMO_OUT=$(cd "$ROOT" && TMPDIR=$T_DIR NO_COLOR=1 VR_BIN=$VR_BIN bash scripts/demo.sh 2>&1)
check_eq "demo: exit 0" 0 "$?"
STEP7=$(sed -n '/^== 7\./,/^== 8\./p' <<<"$DEMO_OUT")
check_contains "demo: the replacement is planned" "-/+ replace arch-vni-edge-02" "$STEP7"
check_contains "demo: the saved plan is applied" "Apply complete: 0 created, 0 deleted, 1 replaced, 0 failed, 0 not attempted" "$STEP7"
STEP8=$(sed -n '/^== 8\./,/^== where/p' <<<"$DEMO_OUT")
check_contains "demo: the last drift finds no different interface" "Drift: 0 missing, 0 different, 1 unmanaged, 0 not active; 5 unchanged" "$STEP8"
check_not_contains "demo: nothing left to repair" "repair:" "$STEP8"
check_contains "demo: the replacement is in the audit branch" "1 replaced" "$DEMO_OUT"

t_done
