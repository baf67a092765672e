#!/usr/bin/env bash
# vni-reconcile apply against vni-sim: a clean apply (all active, audit records with every field
# of docs/api.md §9, metrics, the Git report on its branch with HEAD/index/work tree untouched),
# a second apply that creates nothing, approval rules, an impossible plan, the lock, max-creates,
# JSON output, saved plans (approval, stale refusal), and no secret or token in any output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"

INV=$FIX/apply/six.yaml
start_probe_listener || { not_ok "probe listener starts"; exit 1; }
probe_args "$INV"

# --- without a terminal, -f needs --auto-approve ---
start_sim --converge-ms 20-40 --seed 11
run_vr apply -f "$INV" "${PM[@]}" --lock-dir "$LOCKS"
check_eq "no terminal, no --auto-approve: exit 1" 1 "$RC"
check_contains "no terminal: says how to approve" "apply needs --auto-approve or a saved plan when not on a terminal" "$ERR"
check_eq "no terminal: nothing sent to the API" 0 "$(sim_admin GET /__sim/requests | jq 'length')"

# --- a clean apply of six interfaces ---
REPO=$T_DIR/audit-repo
git init -q -b main "$REPO"
git -C "$REPO" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
echo "work" >"$REPO/untracked.txt"
HEAD_BEFORE=$(git -C "$REPO" rev-parse HEAD)
STATUS_BEFORE=$(git -C "$REPO" status --porcelain)
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/audit.jsonl" \
    --metrics-file "$T_DIR/metrics.prom" --audit-repo "$REPO"
check_eq "clean apply: exit 0" 0 "$RC"
check_contains "clean apply: summary on stdout" "Apply complete: 6 created, 0 deleted, 0 failed, 0 not attempted" "$OUT"
check_contains "clean apply: latency line" "Latency per step: p50" "$OUT"
check_contains "clean apply: progress line per step" "[1/6] app-vni-01: created, converged in" "$ERR"
check_eq "clean apply: six progress lines" 6 "$(grep -cE '^\[[1-6]/6\] app-vni-0[1-6]: created, converged in [0-9]+ ms$' "$T_DIR/err")"
check_eq "clean apply: six connections, all active" "6 active" "$(live_states | sort | uniq -c | awk '{print $1, $2}')"
check_eq "clean apply: one POST per interface" 6 "$(count_req POST "$CONNS")"
check_eq "clean apply: a sync per step" 6 "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method == "POST" and (.path | endswith("/sync")))] | length')"

# audit log: one valid JSON line per intent (started, before the create), per step and per
# routing-table sync, every §9 field; the outcome readers leave the started records out
check_eq "audit: eighteen lines (started, routing_sync and vni_provisioning per step)" 18 "$(wc -l <"$T_DIR/audit.jsonl")"
jq -c 'select(.action != "routing_sync" and .status != "started")' "$T_DIR/audit.jsonl" >"$T_DIR/steps.jsonl"
jq -c 'select(.action == "routing_sync")' "$T_DIR/audit.jsonl" >"$T_DIR/syncs.jsonl"
check_eq "audit: an intent before each create, then the sync record just before its step's record" \
    "$(printf 'vni_provisioning:started routing_sync:provisioned vni_provisioning:provisioned %.0s' 1 2 3 4 5 6 | sed 's/ $//')" \
    "$(jq -r '"\(.action):\(.status)"' "$T_DIR/audit.jsonl" | tr '\n' ' ' | sed 's/ $//')"
check "audit: sync records carry the convergence time and the interface id" jq -e -s \
    'all(.[]; (.latencyMs.convergence|type)=="number" and (.interfaceId|type)=="string" and .error == null)' "$T_DIR/syncs.jsonl"
check "audit: the intents name the interface, no id yet, no latency, no error" jq -e -s \
    'map(select(.status == "started")) | length == 6 and all(.[]; (.interfaceName|type)=="string" and .interfaceId == null and .latencyMs.total == null and .error == null)' "$T_DIR/audit.jsonl"
check "audit: every line is JSON with every §9 field" jq -e -s 'all(.[]; has("eventId") and has("runId") and has("timestamp")
    and has("action") and has("interfaceName") and has("interfaceId") and has("status") and has("latencyMs")
    and has("uptimeRate") and has("correlationIds") and has("error"))' "$T_DIR/audit.jsonl"
check_eq "audit: provisioned, no error, one run id" "vni_provisioning provisioned null 1" \
    "$(jq -r -s '[(map(.action) | unique | join(",")), (map(.status) | unique | join(",")), (map(.error) | unique | map(tostring) | join(",")), (map(.runId) | unique | length | tostring)] | join(" ")' "$T_DIR/steps.jsonl")"
check "audit: latencies are numbers, total >= convergence" jq -e -s 'all(.[]; (.latencyMs.total|type)=="number" and (.latencyMs.create|type)=="number" and .latencyMs.total >= .latencyMs.convergence)' "$T_DIR/steps.jsonl"
check "audit: interface ids are the live ones" test "$(jq -r .interfaceId "$T_DIR/steps.jsonl" | sort)" = "$(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[].id' | sort)"
CID=$(jq -r 'select(.interfaceName == "app-vni-03") | .correlationIds[]' "$T_DIR/steps.jsonl" | head -1)
check "audit: correlation ids are the platform's" test "$(sim_admin GET /__sim/requests | jq --arg c "$CID" '[.[] | select(.correlationId == $c)] | length')" = 1
check_eq "audit: step order is the plan's (by table, then name)" "app-vni-01 app-vni-02 app-vni-03 app-vni-04 app-vni-05 app-vni-06" "$(jq -r .interfaceName "$T_DIR/steps.jsonl" | tr '\n' ' ' | sed 's/ $//')"

# metrics
check_contains "metrics: provisioned counter" 'vni_reconcile_actions_total{org="a1b2c3d4-e5f6-7890-abcd-ef1234567890",action="vni_provisioning",status="provisioned"} 6' "$(cat "$T_DIR/metrics.prom")"
check_contains "metrics: last run succeeded" 'vni_reconcile_last_run_success{org="a1b2c3d4-e5f6-7890-abcd-ef1234567890",command="apply"} 1' "$(cat "$T_DIR/metrics.prom")"

# the Git report, read back with git
check_eq "git: commit message on vni-audit" "vni-reconcile apply $ORG: 6 created, 0 deleted, 0 failed, 0 not attempted" "$(git -C "$REPO" log -1 --format=%s vni-audit)"
RJ=$(git -C "$REPO" ls-tree -r --name-only vni-audit | grep "^reports/$ORG/.*-apply.json$")
check "git: the JSON report is there" test -n "$RJ"
check_eq "git: report counts" "6 0 0 0" "$(git -C "$REPO" show "vni-audit:$RJ" | jq -r '[.counts.created, .counts.deleted, .counts.failed, .counts.notAttempted] | map(tostring) | join(" ")')"
check "git: report has latency p50/p95/max" test "$(git -C "$REPO" show "vni-audit:$RJ" | jq '.latency.total | has("p50") and has("p95") and has("max")')" = true
check_contains "git: Markdown report" "| 1 | create | app-vni-01 | done |" "$(git -C "$REPO" show "vni-audit:${RJ%.json}.md")"
check_eq "git: HEAD untouched" "$HEAD_BEFORE" "$(git -C "$REPO" rev-parse HEAD)"
check_eq "git: still on main" "main" "$(git -C "$REPO" symbolic-ref --short HEAD)"
check_eq "git: work tree and index untouched" "$STATUS_BEFORE" "$(git -C "$REPO" status --porcelain)"

# --- a second apply changes nothing ---
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/audit.jsonl"
check_eq "second apply: exit 0" 0 "$RC"
check_contains "second apply: nothing to do" "No changes" "$OUT"
check_eq "second apply: no create, no sync, no delete" 0 "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length')"
check_eq "second apply: no audit record" 18 "$(wc -l <"$T_DIR/audit.jsonl")"

# --- an impossible plan: exit 3, nothing changed ---
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply -f "$FIX/apply/conflict.yaml" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_eq "impossible plan: exit 3" 3 "$RC"
check_contains "impossible plan: says why" "subnet" "$OUT$ERR"
check_eq "impossible plan: nothing sent but reads" 0 "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length')"
run_vr plan -f "$FIX/apply/conflict.yaml" --out "$T_DIR/impossible.json"
check_eq "impossible saved plan: plan says so (exit 3) and still saves it" "3 yes" "$RC $([ -s "$T_DIR/impossible.json" ] && echo yes)"
run_vr apply "$T_DIR/impossible.json" "${PM[@]}" --lock-dir "$LOCKS"
check_eq "impossible saved plan: apply exits 3" 3 "$RC"
check_eq "impossible saved plan: nothing sent but reads" 0 "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length')"

# --- JSON output ---
sim_admin DELETE /__sim/connections/"$(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[] | select(.name == "app-vni-06") | .id')" >/dev/null
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --format json
check_eq "json: exit 0" 0 "$RC"
check_eq "json: totals and the step" "1 app-vni-06 done" "$(printf '%s' "$OUT" | jq -r '"\(.totals.created) \(.organizations[0].steps[0].name) \(.organizations[0].steps[0].status)"')"
check_eq "json: no progress lines on stderr" "" "$(grep '^\[' "$T_DIR/err")"
stop_sim

# --- max-creates, then the rest on the next run ---
start_sim --converge-ms 20-40 --seed 12
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --max-creates 2
check_eq "max-creates: exit 0" 0 "$RC"
check_contains "max-creates: summary" "Apply complete: 2 created, 0 deleted, 0 failed, 4 not attempted" "$OUT"
check_contains "max-creates: says why" "over --max-creates 2" "$ERR"
check_eq "max-creates: two live" 2 "$(live_states | wc -l)"
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_contains "max-creates: the next run takes the rest" "Apply complete: 4 created" "$OUT"
check_eq "max-creates: six live, all active" "6 active" "$(live_states | sort | uniq -c | awk '{print $1, $2}')"
stop_sim

# --- saved plans: approval, and a stale one refused ---
start_sim --converge-ms 20-40 --seed 13
run_vr plan -f "$INV" --out "$T_DIR/plan.json"
check_eq "saved plan: plan --out works" 0 "$RC"
sim_admin POST /__sim/connections '{"name": "intruder-01", "localIp": "10.9.9.1", "remoteIp": "203.0.113.99",
    "subnetCidr": "10.9.9.0/24", "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core"}' >/dev/null
sim_admin DELETE /__sim/requests >/dev/null
run_vr apply "$T_DIR/plan.json" "${PM[@]}" --lock-dir "$LOCKS"
check_eq "stale plan: exit 1" 1 "$RC"
check_contains "stale plan: says it is stale" "the saved plan is stale" "$ERR"
check_contains "stale plan: names what was added" "added since the plan: 1 (intruder-01)" "$ERR"
check_eq "stale plan: nothing created" 0 "$(count_req POST "$CONNS")"
run_vr plan -f "$INV" --out "$T_DIR/plan2.json"
run_vr apply "$T_DIR/plan2.json" "${PM[@]}" --lock-dir "$LOCKS"
check_eq "fresh saved plan: applies without --auto-approve (the plan is the approval)" 0 "$RC"
check_contains "fresh saved plan: summary" "Apply complete: 6 created" "$OUT"
check_eq "fresh saved plan: seven live, all active" "7 active" "$(live_states | sort | uniq -c | awk '{print $1, $2}')"
run_vr apply "$T_DIR/plan2.json" "${PM[@]}" --lock-dir "$LOCKS"
check_eq "saved plan used twice: refused as stale" 1 "$RC"
check_contains "saved plan used twice: names what was created since" "added since the plan: 6" "$ERR"
stop_sim

# --- on a terminal: the plan, the question, and only "yes" applies ---
start_sim --converge-ms 20-40 --seed 16
T3=$FIX/apply/three.yaml
probe_args "$T3"
TTY_CMD="$VR apply -f $T3 ${PM[*]} --lock-dir $LOCKS --no-color"
printf 'no\n' | script -qec "$TTY_CMD" /dev/null >"$T_DIR/tty1.out" 2>&1
check_eq "terminal, answer no: exit 1" 1 "$?"
check_contains "terminal: asks" "Apply these 3 changes? Only 'yes' will be accepted:" "$(cat "$T_DIR/tty1.out")"
check_contains "terminal, answer no: nothing changed" "not approved; nothing was changed" "$(cat "$T_DIR/tty1.out")"
check_eq "terminal, answer no: nothing created" 0 "$(live_states | wc -l)"
printf 'yes\n' | script -qec "$TTY_CMD" /dev/null >"$T_DIR/tty2.out" 2>&1
check_eq "terminal, answer yes: exit 0" 0 "$?"
check_contains "terminal, answer yes: applied" "Apply complete: 3 created" "$(cat "$T_DIR/tty2.out")"

# --- prune: a managed connection the inventory no longer names is deleted, audited ---
probe_args "$FIX/apply/prune.yaml"
run_vr apply -f "$FIX/apply/prune.yaml" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/prune.jsonl"
check_eq "without --prune: nothing to do" "0 No changes" "$RC $(printf '%s' "$OUT" | grep -o 'No changes')"
run_vr apply -f "$FIX/apply/prune.yaml" --auto-approve --prune "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/prune.jsonl"
check_eq "--prune: exit 0" 0 "$RC"
check_contains "--prune: summary" "Apply complete: 0 created, 1 deleted, 0 failed, 0 not attempted" "$OUT"
check_contains "--prune: progress" "[1/1] flt-vni-03: deleted, converged in" "$ERR"
check_eq "--prune: the rest stays" "flt-vni-01 flt-vni-02" "$(live_names | tr '\n' ' ' | sed 's/ $//')"
check_eq "--prune: audited as vni_deletion/started (with the id) before the delete, then routing_sync/deleted and vni_deletion/deleted" \
    "vni_deletion started true,routing_sync deleted true,vni_deletion deleted true" \
    "$(jq -r --arg id "$(jq -r 'select(.status == "deleted") | .interfaceId' "$T_DIR/prune.jsonl" | head -1)" '"\(.action) \(.status) \(.interfaceId == $id)"' "$T_DIR/prune.jsonl" | paste -sd,)"
probe_args "$INV"
stop_sim

# --- the convergence wait: close to the server's own delays, with few polls ---
T3=$FIX/apply/three.yaml
probe_args "$T3"
start_sim --converge-ms 200-300 --seed 17
run_vr apply -f "$T3" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --format json
check_eq "wait, with the server's estimate: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$T_DIR/wait.json"
check "wait, with estimate: steps within 25% of the server's delays" jq -e '.organizations[0].steps
    | (map(.latencyMs.total) | add) <= 1.25 * (map(.estimatedConvergenceMs) | add)' "$T_DIR/wait.json"
check_eq "wait, with estimate: one poll per step" "1 1 1" "$(jq -r '[.organizations[0].steps[].polls] | map(tostring) | join(" ")' "$T_DIR/wait.json")"
stop_sim
start_sim --converge-ms 250 --no-estimate --seed 17
run_vr apply -f "$T3" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --format json
check_eq "wait, without an estimate: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$T_DIR/wait2.json"
check "wait, without estimate: steps within 60% of the server's delays" jq -e '.organizations[0].steps
    | (map(.latencyMs.total) | add) <= 1.6 * 750' "$T_DIR/wait2.json"
check "wait, without estimate: at most 6 polls per step, fewer once learned" jq -e '.organizations[0].steps
    | (map(.polls) | max) <= 6 and .[2].polls <= 3' "$T_DIR/wait2.json"
stop_sim
probe_args "$INV"

# --- one apply per organization at a time ---
start_sim --converge-ms 1500 --seed 14
"$VR" apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" </dev/null &
BG=$!
T_PIDS+=("$BG")
wait_for_req POST "$CONNS" 1
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS"
check_eq "lock: a second apply of the organization exits 1" 1 "$RC"
check_contains "lock: names the holder's pid" "locked by pid $BG" "$ERR"
kill "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
stop_sim

# --- secrets: neither the client secret nor the token reach any output or file ---
start_sim --converge-ms 20-40 --seed 15
closed_port
HOOKS=(--webhook-url "http://127.0.0.1:$CLOSED_PORT/events") # down: the events stay in the outbox
run_vr apply -f "$INV" --auto-approve "${PM[@]}" --lock-dir "$LOCKS" --audit-log "$T_DIR/s-audit.jsonl" \
    --metrics-file "$T_DIR/s-metrics.prom" --audit-repo "$REPO" -v "${HOOKS[@]}"
cp "$T_DIR/out" "$T_DIR/s1.out"; cp "$T_DIR/err" "$T_DIR/s1.err"
check_eq "secrets: apply with a client secret: exit 0" 0 "$RC"
TOKEN=$(curl -sS -u vni-demo:vni-demo-secret -d grant_type=client_credentials "$SIM_URL/oauth/token" | jq -r .access_token)
sim_admin POST /__sim/connections '{"name": "extra-01", "localIp": "10.8.8.1", "remoteIp": "203.0.113.98",
    "subnetCidr": "10.8.8.0/24", "dnsServers": ["8.8.8.8"], "routingTableId": "rt-core", "state": "provisioning"}' >/dev/null
sim_admin DELETE /__sim/connections/"$(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[] | select(.name == "app-vni-02") | .id')" >/dev/null
run_vr plan -f "$INV" --out "$T_DIR/s-plan.json"
cp "$T_DIR/out" "$T_DIR/s2.out"; cp "$T_DIR/err" "$T_DIR/s2.err"
unset GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET
export GENESYSCLOUD_ACCESS_TOKEN=$TOKEN
run_vr apply "$T_DIR/s-plan.json" "${PM[@]}" \
    --lock-dir "$LOCKS" --audit-log "$T_DIR/s-audit.jsonl" --metrics-file "$T_DIR/s-metrics.prom" --audit-repo "$REPO" -v \
    "${HOOKS[@]}"
cp "$T_DIR/out" "$T_DIR/s3.out"; cp "$T_DIR/err" "$T_DIR/s3.err"
check_eq "secrets: apply with a static token: exit 0" 0 "$RC"
check_contains "secrets: the static-token run created the deleted one" "1 created" "$OUT"
git -C "$REPO" log -p --all >"$T_DIR/s-git.txt"
check "secrets: the webhook outbox was written" test -s "$T_DIR/s-audit.jsonl.outbox"
LEAKS=$(grep -l -a -F -e vni-demo-secret -e "$TOKEN" "$T_DIR"/s1.* "$T_DIR"/s2.* "$T_DIR"/s3.* "$T_DIR/s-audit.jsonl" \
    "$T_DIR/s-audit.jsonl.outbox" "$T_DIR/s-metrics.prom" "$T_DIR/s-plan.json" "$T_DIR/s-git.txt" 2>/dev/null)
check_eq "secrets: no secret or token in stdout, stderr, audit log, outbox, metrics, plan file, audit repo" "" "$LEAKS"
LEAKS=$(grep -r -l -a -F -e vni-demo-secret -e "$TOKEN" "$REPO/.git" "$LOCKS" 2>/dev/null)
check_eq "secrets: none in the audit repo's files (loose objects are compressed: checked above through git) or the lock files" "" "$LEAKS"
check "secrets: the token is a real one (the grep can find it)" test "${#TOKEN}" -ge 16
stop_sim

t_done
