#!/usr/bin/env bash
# vni-reconcile apply killed (SIGKILL) at several points mid-run, then run again: the re-run
# ends in the desired state (every interface once, all active), the lock does not outlive the
# killed process, and the audit log holds only whole lines.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

INV=$FIX/apply/six.yaml
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
count_created() { sim_admin GET /__sim/requests | jq --arg p "$CONNS" '[.[] | select(.method == "POST" and .path == $p and .status == 201)] | length'; }
count_syncs() { sim_admin GET /__sim/requests | jq '[.[] | select(.method == "POST" and (.path | test("/sync$")))] | length'; }

# apply_bg : starts an apply in the background (APPLY_PID).
apply_bg() {
    "$VR" apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/audit.jsonl" \
        >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" </dev/null &
    APPLY_PID=$!
    T_PIDS+=("$APPLY_PID")
}
# kill_when DESC COUNTER N [DELAY] : SIGKILLs the apply once COUNTER reaches N (plus DELAY s).
kill_when() {
    for _ in $(seq 1 400); do
        [ "$($2)" -ge "$3" ] && break
        kill -0 "$APPLY_PID" 2>/dev/null || break
        sleep 0.02
    done
    [ -n "${4:-}" ] && sleep "$4"
    kill -9 "$APPLY_PID" 2>/dev/null
    wait "$APPLY_PID" 2>/dev/null
    check_eq "crash $1: the apply was killed mid-run" 137 "$?"
}

start_sim --converge-ms 250 --latency-ms 10-30 --seed 31
# 1: right after the first create reached the platform (its answer may not have come back)
apply_bg
kill_when "after a create" count_created 1
# 2: during the convergence wait of a later step
apply_bg
kill_when "while converging" count_syncs 3 0.1
# 3: right after a sync was requested
apply_bg
kill_when "after a sync" count_syncs 5
CREATED_BEFORE=$(count_created)
check "crashes: some but not all interfaces were created" test "$CREATED_BEFORE" -ge 2 -a "$CREATED_BEFORE" -lt 6
check "crashes: the audit log holds only whole JSON lines" jq -e -s 'length >= 0' "$T_DIR/audit.jsonl"

run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/audit.jsonl"
echo "# re-run: $(grep -c activated "$T_DIR/err") activated"
check_eq "re-run: exit 0 (the killed runs left no lock behind)" 0 "$RC"
check_not_contains "re-run: not refused by a lock" "locked by" "$ERR"
check_eq "re-run: every interface exactly once" "app-vni-01 app-vni-02 app-vni-03 app-vni-04 app-vni-05 app-vni-06" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
check_eq "re-run: all active" "6 active" "$(live_states | sort | uniq -c | awk '{print $1, $2}')"
check_eq "re-run: six successful creates over all the runs" 6 "$(count_created)"
check_eq "re-run: no create refused as a duplicate" 0 "$(sim_admin GET /__sim/requests | jq --arg p "$CONNS" '[.[] | select(.method == "POST" and .path == $p and .status == 409)] | length')"
check "re-run: every audit line is JSON" jq -e -s 'all(.[]; has("eventId") and has("status"))' "$T_DIR/audit.jsonl"
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_contains "re-run again: nothing to do" "No changes" "$OUT"
stop_sim

# --- the crash trail: an intent record (started) is on disk before the create is sent, so a run
# killed after a create leaves a trace of it (a slow convergence keeps the step from ending) ---
start_sim --converge-ms 5000 --seed 32
"$VR" apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/trail.jsonl" \
    >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" </dev/null &
APPLY_PID=$!
T_PIDS+=("$APPLY_PID")
kill_when "after a create, before its outcome" count_created 1
MADE=$(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[].name')
check_eq "trail: one interface was created before the kill" 1 "$(printf '%s\n' "$MADE" | grep -c .)"
check "trail: the audit log holds only whole JSON lines" jq -e -s 'all(.[]; has("eventId"))' "$T_DIR/trail.jsonl"
check_eq "trail: the intent of that create survived the SIGKILL" "vni_provisioning started $MADE" \
    "$(jq -r --arg n "$MADE" 'select(.interfaceName == $n) | "\(.action) \(.status) \(.interfaceName)"' "$T_DIR/trail.jsonl")"
check_eq "trail: and no outcome of it (the run never got there)" 0 \
    "$(jq -s '[.[] | select(.status != "started")] | length' "$T_DIR/trail.jsonl")"
stop_sim

t_done
