#!/usr/bin/env bash
# The command line across commands: help, usage errors, options that do not apply, -q, the
# webhook secret file rules shared by apply and drift, an inventory given to apply as a plan.
. "$(dirname "$0")/lib.sh"

INV=$FIX/demo/inventory.yaml
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION

run_vr help
check_eq "help: exit 0" 0 "$RC"
HELP=$OUT
for c in validate plan apply drift export version; do
    check_contains "help lists $c" "  $c " "$HELP"
    run_vr help "$c"
    check_eq "help $c: exit 0" 0 "$RC"
done
run_vr help bogus
check_eq "help of an unknown command: exit 1" 1 "$RC"
check_contains "help of an unknown command: says so" "'bogus' is not a command" "$ERR"
run_vr bogus
check_eq "unknown command: exit 1" 1 "$RC"
run_vr plan -f "$INV" --detailed-exitcod
check_eq "unknown option: exit 1" 1 "$RC"
check_contains "unknown option: did you mean" "did you mean --detailed-exitcode?" "$ERR"
run_vr drift -f "$INV" --history 0
check_eq "out-of-range number: exit 1" 1 "$RC"
check_contains "out-of-range number: names the range" "from 1 to 10000" "$ERR"
# A report that cannot reach standard output is a failed run, not a silent exit 0.
"$VR" validate -f "$INV" >/dev/full 2>"$T_DIR/full.err"
check_eq "stdout on a full disk: exit 1" 1 "$?"
check_contains "stdout on a full disk: says so" "cannot write to standard output" "$(cat "$T_DIR/full.err")"
"$VR" version >/dev/full 2>/dev/null
check_eq "version to a full disk: exit 1" 1 "$?"
run_vr version --json
check_eq "version --json: valid JSON with the libraries" "0.1.0 true" \
    "$(printf '%s' "$OUT" | jq -r '"\(.version) \(.libraries | has("libgit2") and has("libcurl") and has("libyaml"))"')"

start_sim --converge-ms 10-30
run_vr plan -f "$INV" --audit-log "$T_DIR/a.jsonl"
check_eq "plan --audit-log: still plans" 0 "$RC"
check_contains "plan --audit-log: warns it has no effect" "--audit-log has no effect on plan" "$ERR"
check "plan --audit-log: writes no audit file" test ! -e "$T_DIR/a.jsonl"
run_vr plan -f "$INV" -q --out "$T_DIR/q.json"
check_eq "plan -q: exit 0, nothing on stdout" "0|" "$RC|$OUT"
check_eq "plan -q: the plan file is still written" 5 "$(jq '.organizations[0].actions|length' "$T_DIR/q.json")"
run_vr plan -f "$INV" -q --format json
check_eq "plan -q --format json: the asked-for document still printed" 5 "$(printf '%s' "$OUT" | jq '.organizations[0].actions|length')"

run_vr apply "$INV" --auto-approve
check_eq "apply INVENTORY.yaml without -f: exit 1" 1 "$RC"
check_contains "apply INVENTORY.yaml without -f: says to use -f" "apply an inventory with -f" "$ERR"
check_eq "apply INVENTORY.yaml without -f: nothing created" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method=="POST" and (.path|startswith("/api/")))] | length')"

: >"$T_DIR/empty.key"
printf 'k3y\n' >"$T_DIR/loose.key"; chmod 644 "$T_DIR/loose.key"
for cmd in apply drift; do
    extra=(); [ "$cmd" = apply ] && extra=(--auto-approve --probe-map 203.0.113.10=127.0.0.1:1)
    run_vr "$cmd" -f "$INV" "${extra[@]}" --webhook-url http://127.0.0.1:9/hook --webhook-secret-file "$T_DIR/empty.key"
    check_eq "$cmd: an empty webhook secret file is refused (exit 1)" 1 "$RC"
    check_contains "$cmd: names the webhook secret file" "webhook secret file $T_DIR/empty.key: empty" "$ERR"
    run_vr "$cmd" -f "$INV" "${extra[@]}" --webhook-url http://127.0.0.1:9/hook --webhook-secret-file "$T_DIR/nope.key"
    check_eq "$cmd: a missing webhook secret file is refused (exit 1)" 1 "$RC"
done
check_eq "refused webhook secrets: nothing was created" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method=="POST" and (.path|startswith("/api/v2/organization/")))] | length')"
run_vr drift -f "$INV" --webhook-url http://127.0.0.1:9/hook --webhook-secret-file "$T_DIR/loose.key" --audit-log "$T_DIR/d.jsonl"
check_contains "drift: a group-readable webhook secret file is used with a warning" "readable by group or others" "$ERR"
run_vr drift -f "$INV" --metrics-file "$T_DIR/no/such/dir/m.prom"
check_eq "drift: an unwritable metrics file is an error (exit 1)" 1 "$RC"
check_contains "drift: the metrics error names the file" "metrics file $T_DIR/no/such/dir/m.prom: cannot" "$ERR"
stop_sim

# --- the inventory's errors: all of them, as validate finds them; the offline limit warning
#     is validate's alone (plan reads the organization's real limit) ---
run_vr plan -f "$FIX/cli/plan-two-kinds.yaml" --api-url http://127.0.0.1:9
check_eq "plan, invalid inventory: exit 3 before any request" 3 "$RC"
check_contains "plan reports the load error" "unknown key 'colour'" "$ERR"
check_contains "plan reports the cross-check error too" "overlaps subnetCidr" "$ERR"
check_contains "plan counts both" "(2 errors)" "$ERR"
bash "$ROOT/bench/gen_inventory.sh" 51 >"$T_DIR/inv51.yaml"
run_vr validate -f "$T_DIR/inv51.yaml"
check_contains "validate: over the documented default limit is a warning" "warning" "$ERR"
jq '.organizations[0].limit = 100' "$FIX/sim/two-orgs.json" >"$T_DIR/limit100.json"
start_sim --state "$T_DIR/limit100.json"
run_vr plan -f "$T_DIR/inv51.yaml" -q --out "$T_DIR/p51.json"
check_eq "plan: 51 interfaces under a real limit of 100 is possible" 0 "$RC"
check_not_contains "plan: no offline limit warning" "limit" "$ERR"
stop_sim

# --- the platform's text reaches a terminal escaped: a live name with ESC and a newline ---
start_sim
sim_admin POST /__sim/connections '{"orgId":"a1b2c3d4-e5f6-7890-abcd-ef1234567890",
  "name":"evil\u001b[2J\n  + create forged","type":"ipconnect","localIp":"10.9.9.1",
  "remoteIp":"203.0.113.99","subnetCidr":"10.9.9.0/24","dnsServers":["8.8.8.8"],
  "routingTableId":"rt-core","state":"provisioning"}' >/dev/null
ESC=$(printf '\033')
for cmd in plan drift; do
    run_vr "$cmd" -f "$INV" -v
    check_contains "$cmd: a live name's control characters are shown escaped" 'evil\x1b[2J\n  + create forged' "$OUT"
    check_not_contains "$cmd: no raw ESC from the platform reaches the output" "$ESC" "$OUT$ERR"
    check_eq "$cmd: the forged line is not a line of its own" 0 "$(printf '%s\n' "$OUT" | grep -c '^  + create forged')"
done
stop_sim
t_done
