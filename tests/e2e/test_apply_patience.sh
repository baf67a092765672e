#!/usr/bin/env bash
# Patience (docs/cli.md "Patience"): an apply against a platform that rate-limits hard (three
# requests in ten answered 429, one in ten 5xx) finishes without a duplicate and without
# repeating a call before its Retry-After; a platform refusing everything for a while is waited
# out; --call-timeout bounds one call and the message says how long it tried and what came
# back; --timeout stops a run before its next step, says what was done and what was not, and
# exits 1; the inin-ratelimit-* headers of a fixed-window limiter are paced to, not burst into.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

SIX=$FIX/apply/six.yaml
THREE=$FIX/apply/three.yaml
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$SIX"
PM6=("${PM[@]}")
probe_args "$THREE"
PM3=("${PM[@]}")
names_of() { sed -n 's/^ *- name: *//p' "$1" | sort | tr '\n' ' ' | sed 's/ $//'; }
statuses() { sim_admin GET /__sim/requests | jq -r "[.[] | select($1)] | length"; }

# --- 429s and 5xx: the storm of the issue ---
start_sim --converge-ms 20-40 --seed 31 --rate-429 0.3 --rate-5xx 0.1
run_vr apply -f "$SIX" --auto-approve "${PM6[@]}" --lock-dir "$LOCKS"
check_eq "storm: exit 0" 0 "$RC"
check_contains "storm: all six created" "Apply complete: 6 created, 0 deleted, 0 failed, 0 not attempted" "$OUT"
check_eq "storm: one live connection per interface, no duplicate" "$(names_of "$SIX")" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
check_eq "storm: all active" "6 active" "$(live_states | sort | uniq -c | awk '{print $1, $2}')"
check_eq "storm: one successful create per interface" 6 "$(statuses '.method == "POST" and (.path | test("/connections$")) and .status == 201')"
check "storm: the 429s happened (at least 5)" test "$(statuses '.status == 429')" -ge 5
check "storm: the 5xx happened" test "$(statuses '.status >= 500')" -ge 1
check_eq "storm: no request repeated before its Retry-After" 0 "$(retry_after_violations)"
stop_sim

# --- a platform that refuses everything for 5 s (five tries of old gave up after ~4 s) ---
start_sim --converge-ms 20-40 --seed 32 --unavailable-for 5
run_vr apply -f "$THREE" --auto-approve "${PM3[@]}" --lock-dir "$LOCKS"
check_eq "unavailable for 5 s: exit 0" 0 "$RC"
check_contains "unavailable for 5 s: all three created" "Apply complete: 3 created" "$OUT"
check "unavailable for 5 s: refused several times" test "$(statuses '.status == 503')" -ge 3
check "unavailable for 5 s: the first answer came after the 5 s" test \
    "$(sim_admin GET /__sim/requests | jq '([.[] | select(.status != 503)][0].tMs) - (.[0].tMs)')" -ge 5000
stop_sim

# --- --call-timeout: one call's budget, and the message on giving up ---
start_sim --unavailable-for 600
run_vr plan -f "$THREE" --call-timeout 2
check_eq "--call-timeout 2 against a dead platform: exit 1" 1 "$RC"
check_contains "--call-timeout: says what gave up" "POST /oauth/token: gave up after " "$ERR"
check_contains "--call-timeout: why, and what came back last" \
    "s: no time left for another try within the call's time budget of 2 s; last: HTTP 503 service.unavailable" "$ERR"
if printf '%s' "$ERR" | grep -Eq 'gave up after [0-9]+ tries over [01]\.[0-9] s'; then
    ok "--call-timeout: it tried for less than the 2 s budget"
else
    not_ok "--call-timeout: it tried for less than the 2 s budget" "$ERR"
fi
check_contains "--call-timeout: what to do" "--call-timeout" "$ERR"
stop_sim

# --- --timeout: apply stops before its next step ---
start_sim --converge-ms 1500 --seed 33
run_vr apply -f "$SIX" --auto-approve "${PM6[@]}" --lock-dir "$LOCKS" --timeout 3 --audit-log "$T_DIR/timeout.jsonl"
check_eq "--timeout apply: exit 1" 1 "$RC"
check_contains "--timeout apply: says so" "vni-reconcile apply: stopped: the run's --timeout of 3 s passed" "$ERR"
check_contains "--timeout apply: the summary" "Apply stopped by --timeout: " "$OUT"
created=$(printf '%s' "$OUT" | sed -n 's/^Apply stopped by --timeout: \([0-9]*\) created, 0 deleted, 0 failed, \([0-9]*\) not attempted$/\1/p')
skipped=$(printf '%s' "$OUT" | sed -n 's/^Apply stopped by --timeout: \([0-9]*\) created, 0 deleted, 0 failed, \([0-9]*\) not attempted$/\2/p')
check "--timeout apply: some steps done, none failed, the rest not attempted" test "${created:-0}" -ge 1 -a "${skipped:-0}" -ge 1 -a "$((${created:-0} + ${skipped:-0}))" -eq 6
check_contains "--timeout apply: names what was done" "  done: app-vni-01" "$OUT"
check_contains "--timeout apply: names what was not" "  not attempted: " "$OUT"
check_contains "--timeout apply: the step's note" "not attempted: the run's time limit (--timeout) passed before it" "$ERR"
check_eq "--timeout apply: what was done is whole (created and active)" "$created" "$(live_states | grep -c '^active$')"
check_eq "--timeout apply: nothing else live" "$created" "$(live_states | wc -l | tr -d ' ')"
check_eq "--timeout apply: audited as skipped" "$skipped" "$(jq -r 'select(.action == "vni_provisioning" and .status == "skipped") | .interfaceName' "$T_DIR/timeout.jsonl" | wc -l | tr -d ' ')"
run_vr apply -f "$SIX" --auto-approve "${PM6[@]}" --lock-dir "$LOCKS"
check_eq "--timeout apply, run again without it: exit 0" 0 "$RC"
check_contains "--timeout apply, run again: the rest created" "Apply complete: $skipped created" "$OUT"
stop_sim

# --- --timeout: plan stops before its next step (two slow calls take 1.4 s) ---
start_sim --latency-ms 700
run_vr plan -f "$THREE" --timeout 1
check_eq "--timeout plan: exit 1" 1 "$RC"
check_contains "--timeout plan: says so" "vni-reconcile plan: stopped: the run's --timeout of 1 s passed" "$ERR"
check_contains "--timeout plan: what was done" "  done: connect to organization $ORG" "$ERR"
check_contains "--timeout plan: what was not" "  not done: read the live state of organization $ORG, and what follows; nothing was changed" "$ERR"
check_eq "--timeout plan: nothing listed" 0 "$(count_req GET "$CONNS?pageSize=200&pageNumber=1")"
stop_sim

# --- pacing: a fixed window of 10 requests per 2 s, announced in the headers, is kept to ---
start_sim --converge-ms 20-40 --seed 34 --rate-limit 10/2
run_vr apply -f "$THREE" --auto-approve "${PM3[@]}" --lock-dir "$LOCKS"
check_eq "rate limit 10/2: exit 0" 0 "$RC"
check_contains "rate limit 10/2: all three created" "Apply complete: 3 created" "$OUT"
check "rate limit 10/2: more requests than one window holds" test "$(statuses 'true')" -gt 10
check_eq "rate limit 10/2: paced, never refused" 0 "$(statuses '.status == 429')"
stop_sim

t_done
