#!/usr/bin/env bash
# vni-reconcile apply and its webhook (docs/api.md §8): a receiver that is down never fails the
# run and the events wait in the outbox; the next run delivers them first, in order, signed,
# then its own. The receiver is vni-sim --webhook-sink (signature checked with the same key).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

# The suite needs the sink: without it, it fails (a suite that cannot run is not a pass).
if ! "$VSIM" --help 2>&1 | grep -q -- --webhook-sink; then
    not_ok "vni-sim --help lists --webhook-sink (this suite needs it)"
    exit 1
fi
INV=$FIX/apply/three.yaml
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"
printf 'hook-key-for-apply\n' >"$T_DIR/hook.key"
chmod 600 "$T_DIR/hook.key"
AUDIT=$T_DIR/audit.jsonl
OUTBOX=$AUDIT.outbox

# --- the receiver is down (its port closed): the run succeeds, the events wait in the outbox ---
start_sink 0 --webhook-secret-file "$T_DIR/hook.key"
SINK_PORT=${HOOK##*:}
check "a receiver's port, then the receiver goes down" test -n "$SINK_PORT"
kill "$SINK_PID" 2>/dev/null
wait "$SINK_PID" 2>/dev/null
start_sim --converge-ms 20-40 --seed 41
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --max-creates 2 --audit-log "$AUDIT" \
    --webhook-url "$HOOK/events" --webhook-secret-file "$T_DIR/hook.key"
check_eq "receiver down: the apply succeeds" 0 "$RC"
check_contains "receiver down: says the events wait" "7 events not delivered" "$ERR"
check_eq "receiver down: seven events in the outbox (two intents, two syncs, two provisioned, one skipped)" 7 "$(wc -l <"$OUTBOX" 2>/dev/null || echo 0)"
check "receiver down: the outbox holds the audit lines" test "$(jq -r .delivery "$OUTBOX" | tr '\n' ' ')" = "$(jq -r .eventId "$AUDIT" | tr '\n' ' ')"
check_not_contains "receiver down: no key in the outbox" "hook-key-for-apply" "$(cat "$OUTBOX")"

# --- the receiver is back at the same URL: the outbox first, in order, then this run's ---
start_sink "$SINK_PORT" --webhook-secret-file "$T_DIR/hook.key"
check_eq "the receiver is back on its port" "$SINK_PORT" "${HOOK##*:}"
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$AUDIT" \
    --webhook-url "$HOOK/events" --webhook-secret-file "$T_DIR/hook.key"
check_eq "catch-up: the apply succeeds" 0 "$RC"
check_contains "catch-up: the third interface" "Apply complete: 1 created" "$OUT"
sleep 0.2
EV=$(tail -n +2 "$T_DIR/sink.out")
check_eq "catch-up: ten events, all validly signed" "10 valid" "$(jq -s 'length' <<<"$EV") $(jq -rs 'map(.signature) | unique | join(",")' <<<"$EV")"
check_eq "catch-up: in order, the outbox first (X-Vni-Delivery is the eventId)" "$(jq -r .eventId "$AUDIT" | tr '\n' ' ')" "$(jq -r .delivery <<<"$EV" | tr '\n' ' ')"
check_eq "catch-up: X-Vni-Event is the action" "$(jq -r .action "$AUDIT" | tr '\n' ' ')" "$(jq -r .event <<<"$EV" | tr '\n' ' ')"
check_eq "catch-up: statuses (each create's intent, started, before its outcome)" "started provisioned provisioned started provisioned provisioned skipped started provisioned provisioned" "$(jq -r .body.status <<<"$EV" | tr '\n' ' ' | sed 's/ $//')"
check_eq "catch-up: bodies are the audit records" "$(jq -c . "$AUDIT")" "$(jq -c .body <<<"$EV")"
check "catch-up: the outbox is empty" test ! -s "$OUTBOX"
check_not_contains "the key never leaves the machine" "hook-key-for-apply" "$EV$OUT$ERR$(cat "$AUDIT")"
kill "$SINK_PID" 2>/dev/null
wait "$SINK_PID" 2>/dev/null
stop_sim

t_done
