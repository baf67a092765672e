#!/usr/bin/env bash
# vni-reconcile drift against vni-sim: each kind (missing, different field by field, unmanaged,
# not active), exit codes, the ignore list, formats, audit records and metrics, uptime over a
# history of drift commits in a Git repository, read-only (no POST/DELETE to the API).
# Live state is put in place out of band (POST /__sim/connections), not with apply.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
INV=$FIX/drift/inventory.yaml
IGN=$FIX/drift/inventory-ignore.yaml
CLEAN=$FIX/drift/clean.yaml
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION NO_COLOR

# insert NAME LOCAL REMOTE SUBNET [DNS] [DESCRIPTION] [STATE] [TABLE]: prints the new id.
insert() { sim_insert "$ORG" "$@"; }
patch() { sim_admin PATCH "/__sim/connections/$1" "$2" >/dev/null; }
api_writes() {
    sim_admin GET /__sim/requests |
        jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length'
}

# shellcheck disable=SC2119  # start_sim takes optional arguments; none here on purpose
start_sim || { not_ok "vni-sim starts"; exit 1; }
OK_ID=$(insert drift-ok 10.40.1.1 203.0.113.41 10.40.1.0/24 8.8.8.8 fine)
DIFF_ID=$(insert drift-diff 10.40.3.1 203.0.113.99 10.40.3.0/24 9.9.9.9 "changed by hand")
IDLE_ID=$(insert drift-idle 10.40.4.1 203.0.113.44 10.40.4.0/24 8.8.8.8 "" provisioning)
STRAY_ID=$(insert stray-01 10.40.9.1 203.0.113.49 10.40.9.0/24 8.8.8.8 "" active rt-edge)
sim_admin DELETE /__sim/requests >/dev/null

# --- text: each kind ---
run_vr drift -f "$INV"
check_eq "drift without --exit-code: exit 0 even with drift" 0 "$RC"
check_contains "text: missing" "- missing drift-missing" "$OUT"
check_contains "text: different, with the live id" "~ different drift-diff (id $DIFF_ID)" "$OUT"
check_contains "text: remoteIp with both values" "remoteIp: inventory 203.0.113.43, live 203.0.113.99" "$OUT"
check_contains "text: dnsServers with both values" "dnsServers: inventory [8.8.8.8], live [9.9.9.9]" "$OUT"
check_contains "text: description with both values" "description: inventory wanted, live changed by hand" "$OUT"
check_contains "text: not active, with the state" "! not active drift-idle (provisioning)" "$OUT"
check_contains "text: unmanaged, with id and state" "? unmanaged stray-01 (id $STRAY_ID, active)" "$OUT"
check_not_contains "text: the matching interface is not listed without -v" "drift-ok" "$OUT"
check_contains "text: summary" "Drift: 1 missing, 1 different, 1 unmanaged, 1 not active; 1 unchanged" "$OUT"
check_not_contains "text: no colors when stdout is not a terminal" $'\033[' "$OUT"
run_vr drift -f "$INV" -v
check_contains "text -v: the matching interface too" "= unchanged drift-ok" "$OUT"
check_not_contains "text: no uptime without history" "uptime" "$OUT"

# --- exit codes ---
run_vr drift -f "$INV" --exit-code
check_eq "--exit-code with drift: exit 2" 2 "$RC"
run_vr drift -f "$FIX/invalid/dup-local-ip.yaml" --exit-code
check_eq "invalid inventory: exit 3" 3 "$RC"
GENESYSCLOUD_OAUTHCLIENT_SECRET=wrong run_vr drift -f "$INV" --exit-code
check_eq "bad credentials: exit 1" 1 "$RC"
check_not_contains "bad credentials: the secret is not printed" "wrong" "$OUT$ERR"
run_vr drift -f "$FIX/valid/two-orgs/org-b.yaml" --exit-code
check_eq "credentials of another organization: exit 1" 1 "$RC"
check_contains "credentials of another organization: says which" "not to 0f0e0d0c-0b0a-4998-8776-655443322110" "$ERR"
run_vr drift -f "$INV" --format yaml
check_eq "unknown --format: exit 1" 1 "$RC"
run_vr drift -f "$INV" --history 0
check_eq "--history 0 is refused: exit 1" 1 "$RC"
run_vr drift -f "$INV" --shard 3/2
check_eq "--shard 3/2 is refused: exit 1" 1 "$RC"
run_vr drift --help
check_contains "--help: usage" "usage: vni-reconcile drift" "$OUT"

# --- JSON ---
run_vr drift -f "$INV" --format json
J=$OUT
check_eq "json: document header" "1 drift 1 $ORG" \
    "$(jq -r '"\(.formatVersion) \(.command) \(.organizations|length) \(.organizations[0].organization)"' <<<"$J")"
check_eq "json: interfaces in name order with their kinds" \
    "drift-diff:different drift-idle:not_active drift-missing:missing drift-ok:" \
    "$(jq -r '[.organizations[0].interfaces[] | "\(.name):\(.kinds|join(","))"] | join(" ")' <<<"$J")"
check_eq "json: different field by field (field, inventory, live)" \
    "remoteIp=203.0.113.43>203.0.113.99 dnsServers=[8.8.8.8]>[9.9.9.9] description=wanted>changed by hand" \
    "$(jq -r '[.organizations[0].interfaces[0].fields[] | "\(.field)=\(.inventory)>\(.live)"] | join(" ")' <<<"$J")"
check_eq "json: missing has no id, not present" "null false" \
    "$(jq -r '.organizations[0].interfaces[] | select(.name=="drift-missing") | "\(.id) \(.present)"' <<<"$J")"
check_eq "json: not active keeps the state" "$IDLE_ID provisioning true false" \
    "$(jq -r '.organizations[0].interfaces[] | select(.name=="drift-idle") | "\(.id) \(.state) \(.matching) \(.active)"' <<<"$J")"
check_eq "json: unmanaged" "stray-01 $STRAY_ID active" \
    "$(jq -r '.organizations[0].unmanaged[] | "\(.name) \(.id) \(.state)"' <<<"$J")"
check_eq "json: summary" "4 1 1 1 1 1 true" \
    "$(jq -r '.summary | "\(.interfaces) \(.unchanged) \(.missing) \(.different) \(.unmanaged) \(.notActive) \(.drift)"' <<<"$J")"
check_eq "json: uptime from this check alone without --audit-repo" "drift-ok=1:1/1 drift-diff=0:0/1" \
    "$(jq -r '[.organizations[0].interfaces[] | select(.name=="drift-ok" or .name=="drift-diff") | "\(.name)=\(.uptimeRate):\(.okChecks)/\(.checks)"] | reverse | join(" ")' <<<"$J")"

# --- Markdown ---
run_vr drift -f "$INV" --format markdown
check_contains "markdown: heading" "### vni-reconcile drift" "$OUT"
check_contains "markdown: a row per differing field" "| drift-diff | remoteIp | 203.0.113.43 | 203.0.113.99 |" "$OUT"
check_contains "markdown: unmanaged table" "| stray-01 | $STRAY_ID | active |" "$OUT"
check_contains "markdown: not active table" "| drift-idle | provisioning |" "$OUT"

# --- ignore list: by name and field, by field, by name ---
run_vr drift -f "$IGN" --format json --exit-code
check_eq "ignore: still drift (exit 2)" 2 "$RC"
check_eq "ignore: only remoteIp differs (description of drift-diff and dnsServers ignored)" "remoteIp" \
    "$(jq -r '[.organizations[0].interfaces[] | select(.name=="drift-diff") | .fields[].field] | join(",")' <<<"$OUT")"
check_eq "ignore: the fields left out are counted on the interface" 2 \
    "$(jq -r '.organizations[0].interfaces[] | select(.name=="drift-diff") | .ignoredFields' <<<"$OUT")"
check_eq "ignore: stray-01 is not unmanaged (ignored by name)" 0 "$(jq -r '.organizations[0].unmanaged | length' <<<"$OUT")"
check_eq "ignore: summary counts what was ignored" "1 2 0" \
    "$(jq -r '.summary | "\(.ignoredInterfaces) \(.ignoredFields) \(.unmanaged)"' <<<"$OUT")"
run_vr drift -f "$IGN"
check_contains "ignore: text says how much was ignored" "ignored by the inventory: 1 interface, 2 fields" "$OUT"
check_contains "ignore: summary says it too" "; 3 ignored" "$OUT"
# drift-diff fixed but for the ignored fields: no longer different
patch "$DIFF_ID" '{"remoteIp":"203.0.113.43"}'
run_vr drift -f "$IGN" --format json
check_eq "ignore: only ignored fields differ: matching" "true 0 2" \
    "$(jq -r '.organizations[0].interfaces[] | select(.name=="drift-diff") | "\(.matching) \(.fields|length) \(.ignoredFields)"' <<<"$OUT")"
patch "$DIFF_ID" '{"remoteIp":"203.0.113.99"}'

# --- audit log, metrics ---
run_vr drift -f "$INV" --audit-log "$T_DIR/audit.jsonl" --metrics-file "$T_DIR/metrics.prom"
check_eq "audit: one drift_check record per interface (4) and per unmanaged connection (1)" 5 \
    "$(jq -s '[.[] | select(.action=="drift_check")] | length' "$T_DIR/audit.jsonl")"
check_eq "audit: statuses and uptime rates" \
    "drift-diff:drifted:0 drift-idle:drifted:0 drift-missing:drifted:0 drift-ok:unchanged:1 stray-01:drifted:null" \
    "$(jq -rs '[.[] | "\(.interfaceName):\(.status):\(.uptimeRate)"] | join(" ")' "$T_DIR/audit.jsonl")"
check_eq "audit: one runId, interface ids (null when missing)" "1 null $OK_ID" \
    "$(jq -rs '"\([.[].runId]|unique|length) \(.[] | select(.interfaceName=="drift-missing") | .interfaceId) \(.[] | select(.interfaceName=="drift-ok") | .interfaceId)"' "$T_DIR/audit.jsonl")"
LOGGED=$(sim_admin GET /__sim/requests | jq -c '[.[].correlationId]')
# shellcheck disable=SC2016  # single quotes on purpose: the $ is for jq, GitHub or the inner shell
check "audit: each record carries the correlation ids of the reads it rests on, as the sim logged them" \
    jq -se --argjson logged "$LOGGED" 'all(.[]; (.correlationIds | length) >= 3 and ((.correlationIds - $logged) | length) == 0)' "$T_DIR/audit.jsonl"
M=$(cat "$T_DIR/metrics.prom" 2>/dev/null)
for kind in missing different unmanaged not_active; do
    check_contains "metrics: vni_reconcile_drift_interfaces kind=$kind is 1" \
        "vni_reconcile_drift_interfaces{org=\"$ORG\",kind=\"$kind\"} 1" "$M"
done
check_contains "metrics: last run of drift succeeded" \
    "vni_reconcile_last_run_success{org=\"$ORG\",command=\"drift\"} 1" "$M"
check_not_contains "no secret in the audit log" "vni-demo-secret" "$(cat "$T_DIR/audit.jsonl")"

# --- webhook: the same records, signed (vni-sim --webhook-sink) ---
if "$VSIM" --help 2>&1 | grep -q -- --webhook-sink; then
    printf 'hook-key-for-drift\n' >"$T_DIR/hook.key"
    chmod 600 "$T_DIR/hook.key"
    "$VSIM" --webhook-sink 127.0.0.1:0 --webhook-secret-file "$T_DIR/hook.key" \
        >"$T_DIR/sink.out" 2>"$T_DIR/sink.err" &
    SINK_PID=$!
    T_PIDS+=("$SINK_PID")
    for _ in $(seq 1 100); do
        line=$(head -n1 "$T_DIR/sink.out" 2>/dev/null)
        case "$line" in "vni-sim webhook sink on "*) break ;; esac
        sleep 0.05
    done
    HOOK=${line#vni-sim webhook sink on }
    run_vr drift -f "$INV" --audit-log "$T_DIR/hook-audit.jsonl" --webhook-url "$HOOK/events" \
        --webhook-secret-file "$T_DIR/hook.key"
    check_eq "webhook: the run succeeds (exit 0)" 0 "$RC"
    EV=$(tail -n +2 "$T_DIR/sink.out")
    check_eq "webhook: one drift_check event per audit record, all validly signed" "5 5 valid" \
        "$(jq -s 'length' <<<"$EV") $(wc -l <"$T_DIR/hook-audit.jsonl" | tr -d ' ') $(jq -rs '[.[] | select(.event == "drift_check") | .signature] | unique | join(",")' <<<"$EV")"
    check_eq "webhook: bodies are the audit records (same event ids, same statuses)" \
        "$(jq -r '"\(.eventId) \(.interfaceName) \(.status)"' "$T_DIR/hook-audit.jsonl")" \
        "$(jq -r '.body | "\(.eventId) \(.interfaceName) \(.status)"' <<<"$EV")"
    check_eq "webhook: X-Vni-Delivery is the eventId" "$(jq -r .eventId "$T_DIR/hook-audit.jsonl" | tr '\n' ' ')" \
        "$(jq -r .delivery <<<"$EV" | tr '\n' ' ')"
    check_not_contains "webhook: the secret never leaves the machine" "hook-key-for-drift" "$EV$OUT$ERR"
    kill "$SINK_PID" 2>/dev/null
    wait "$SINK_PID" 2>/dev/null
    # a receiver that fails at first: retried, never fails the run
    "$VSIM" --webhook-sink 127.0.0.1:0 --sink-fail-first 2 >"$T_DIR/sink2.out" 2>/dev/null &
    SINK_PID=$!
    T_PIDS+=("$SINK_PID")
    for _ in $(seq 1 100); do
        line=$(head -n1 "$T_DIR/sink2.out" 2>/dev/null)
        case "$line" in "vni-sim webhook sink on "*) break ;; esac
        sleep 0.05
    done
    HOOK=${line#vni-sim webhook sink on }
    run_vr drift -f "$INV" --audit-log "$T_DIR/hook2-audit.jsonl" --webhook-url "$HOOK/events" --exit-code
    check_eq "webhook failing at first: drift's exit code is unchanged (2)" 2 "$RC"
    check_eq "webhook failing at first: 2 refused, then all 5 events delivered, unsigned without a secret" "2 5 absent" \
        "$(tail -n +2 "$T_DIR/sink2.out" | jq -rs '"\([.[] | select(.status == 503)] | length) \([.[] | select(.status == 204) | .delivery] | unique | length) \([.[].signature] | unique | join(","))"')"
    kill "$SINK_PID" 2>/dev/null
    wait "$SINK_PID" 2>/dev/null
else
    ok "# SKIP vni-sim has no --webhook-sink yet"
fi

check_eq "drift is read-only: no POST or DELETE to the API in the sim's request log" 0 "$(api_writes)"
stop_sim

# --- a clean organization: exit codes; uptime over a history of drift commits ---
# shellcheck disable=SC2119  # start_sim takes optional arguments; none here on purpose
start_sim || { not_ok "vni-sim starts again"; exit 1; }
OK_ID=$(insert drift-ok 10.40.1.1 203.0.113.41 10.40.1.0/24 8.8.8.8 fine)
run_vr drift -f "$CLEAN" --exit-code
check_eq "--exit-code without drift: exit 0" 0 "$RC"
check_contains "no drift: summary" "No drift: 1 unchanged" "$OUT"
REPO=$T_DIR/audit-repo
git init -q "$REPO" && git -C "$REPO" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
HEAD0=$(git -C "$REPO" rev-parse HEAD)
U=(--audit-repo "$REPO" --audit-log "$T_DIR/uptime.jsonl")
run_vr drift -f "$CLEAN" "${U[@]}"
R1=$RC
patch "$OK_ID" '{"description":"edited in the console"}'
run_vr drift -f "$CLEAN" "${U[@]}" --exit-code
R2=$RC
patch "$OK_ID" '{"description":"fine"}'
run_vr drift -f "$CLEAN" "${U[@]}"
R3=$RC
run_vr drift -f "$CLEAN" "${U[@]}" --format json
check_eq "uptime: four runs (exit 0, 2 with drift and --exit-code, 0, 0)" "0 2 0 0" "$R1 $R2 $R3 $RC"
check_eq "uptime: 3 of 4 checks ok gives 0.75 in the report" "0.75 3 4 3" \
    "$(jq -r '.organizations[0].interfaces[0] | "\(.uptimeRate) \(.okChecks) \(.checks)"' <<<"$OUT") $(jq -r '.organizations[0].history.reports' <<<"$OUT")"
check_eq "uptime: ... and in the last audit record" "0.75" \
    "$(tail -n1 "$T_DIR/uptime.jsonl" | jq -r .uptimeRate)"
check_eq "uptime: the uptime rates of the four records" "1 0.5 0.6666666666666666 0.75" \
    "$(jq -rs '[.[].uptimeRate|tostring]|join(" ")' "$T_DIR/uptime.jsonl")"
LATEST=$(git -C "$REPO" show "vni-audit:drift/$ORG/latest.json")
check_eq "git: drift/<org>/latest.json is the last report" "0.75 drift $ORG" \
    "$(jq -r '"\(.interfaces[0].uptimeRate) \(.command) \(.organization)"' <<<"$LATEST")"
check_contains "git: latest.md has the uptime table" "| drift-ok | 0.75 | 3 of 4 |" \
    "$(git -C "$REPO" show "vni-audit:drift/$ORG/latest.md")"
check_eq "git: four commits on vni-audit" 4 "$(git -C "$REPO" rev-list --count vni-audit)"
check_eq "git: commit message 'vni-reconcile drift <org>: <summary>'" \
    "vni-reconcile drift $ORG: Drift: 0 missing, 1 different, 0 unmanaged, 0 not active; 0 unchanged" \
    "$(git -C "$REPO" log -1 --format=%s vni-audit~2)"
check_eq "git: a report per run under reports/<org>/ (JSON and Markdown)" "4 4" \
    "$(git -C "$REPO" ls-tree --name-only "vni-audit:reports/$ORG" | grep -c 'drift\.json$') $(git -C "$REPO" ls-tree --name-only "vni-audit:reports/$ORG" | grep -c 'drift\.md$')"
check_eq "git: HEAD and the work tree untouched" "$HEAD0 " \
    "$HEAD0 $(git -C "$REPO" status --porcelain)"
run_vr drift -f "$CLEAN" "${U[@]}" --history 4 --format json
check_eq "--history 4: the window is the last 4 checks (runs 2..5)" "0.75 4" \
    "$(jq -r '.organizations[0].interfaces[0] | "\(.uptimeRate) \(.checks)"' <<<"$OUT")"
run_vr drift -f "$CLEAN" "${U[@]}" --history 3 --format json
check_eq "--history 3: runs 4..6, all ok" "1 3" \
    "$(jq -r '.organizations[0].interfaces[0] | "\(.uptimeRate) \(.checks)"' <<<"$OUT")"
run_vr drift -f "$CLEAN" --audit-repo "$T_DIR/no-such-repo"
check_eq "audit repo missing: exit 1" 1 "$RC"

# --- read-only ---
check_eq "drift is read-only: no POST or DELETE to the API in the sim's request log" 0 "$(api_writes)"
check "drift is read-only: every API call was a GET" \
    jq -e '[.[] | select(.path | startswith("/api/")) | .method] | unique == ["GET"]' <<<"$(sim_admin GET /__sim/requests)"

stop_sim
t_done
