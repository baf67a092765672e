#!/usr/bin/env bash
# vni-reconcile plan against vni-sim: actions and their order, exit codes, the plan file,
# paging, both count fields, a listing that changes while paging, 429/5xx storms, a token
# that expires mid-run, conflicts, the limit, a missing limits endpoint, bad credentials,
# Retry-After kept, and no secret in any output or file.
. "$(dirname "$0")/lib.sh"

ORG=a1b2c3d4-e5f6-7890-abcd-ef1234567890
INV=$FIX/demo/inventory.yaml
export GENESYSCLOUD_OAUTHCLIENT_ID=vni-demo GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-demo-secret
unset GENESYSCLOUD_ACCESS_TOKEN GENESYSCLOUD_REGION

# insert NAME LOCAL REMOTE SUBNET [TABLE] [STATE]: an out-of-band connection in the sim.
insert() {
    sim_admin POST /__sim/connections "$(jq -cn --arg o "$ORG" --arg n "$1" --arg l "$2" \
        --arg r "$3" --arg s "$4" --arg t "${5:-rt-core}" --arg st "${6:-active}" \
        '{orgId:$o, name:$n, type:"ipconnect", localIp:$l, remoteIp:$r, subnetCidr:$s,
          dnsServers:["8.8.8.8","8.8.4.4"], routingTableId:$t, description:"Production architecture VNI",
          state:$st}')" >/dev/null
}
# retry_after_kept: no request was repeated before the Retry-After of the 429/503 before it.
retry_after_kept() {
    sim_admin GET /__sim/requests | jq -e '
        [ group_by(.method + " " + (.path | sub("\\?.*$"; "")))[] | sort_by(.seq) |
          . as $g | range(1; length) | select($g[.-1].retryAfter != null) |
          select($g[.].tMs - $g[.-1].tMs < $g[.-1].retryAfter * 1000) ] | length == 0' >/dev/null
}

# --- an empty organization ---
start_sim --converge-ms 10-20
run_vr plan -f "$INV" --out "$T_DIR/plan.json"
check_eq "empty org: exit 0" 0 "$RC"
check_contains "empty org: summary" "Plan: 5 to create, 0 to delete, 0 to replace, 0 unchanged, 0 drifted" "$OUT"
check_eq "empty org: creates ordered by routing table, order, name" \
    "arch-vni-prod-01 arch-vni-prod-02 arch-vni-lab-01 arch-vni-edge-01 arch-vni-edge-02" \
    "$(jq -r '[.organizations[0].actions[].name] | join(" ")' "$T_DIR/plan.json")"
check_eq "plan file: seq 1..5 and action create" "1,2,3,4,5 create" \
    "$(jq -r '[.organizations[0].actions[].seq|tostring]|join(",")' "$T_DIR/plan.json") $(jq -r '[.organizations[0].actions[].action]|unique|join(",")' "$T_DIR/plan.json")"
check_eq "plan file: header fields" "1 0.1.0 true" \
    "$(jq -r '"\(.formatVersion) \(.toolVersion) \(.createdAt | test("^20[0-9-]+T[0-9:.]+Z$"))"' "$T_DIR/plan.json")"
check_eq "plan file: inventory sha256 is the file's" "$(sha256sum "$INV" | cut -d' ' -f1)" \
    "$(jq -r '.inventory.files[0].sha256' "$T_DIR/plan.json")"
check_eq "plan file: organization id, limit, liveCount" "$ORG 50 0" \
    "$(jq -r '.organizations[0] | "\(.id) \(.limit) \(.liveCount)"' "$T_DIR/plan.json")"
check "plan file: liveFingerprint is 64 hex" jq -e '.organizations[0].liveFingerprint | test("^[0-9a-f]{64}$")' "$T_DIR/plan.json"
check_eq "plan file: payload of the create body" "10.0.50.1 203.0.113.10 10.0.50.0/24 rt-core $ORG ipconnect" \
    "$(jq -r '.organizations[0].actions[0].payload | "\(.localIp) \(.remoteIp) \(.subnetCidr) \(.routingTableId) \(.organizationId) \(.type)"' "$T_DIR/plan.json")"
check "plan file: unchanged, drift, diagnostics present" jq -e '.organizations[0] | has("unchanged") and has("drift") and has("diagnostics")' "$T_DIR/plan.json"
run_vr plan -f "$INV" --detailed-exitcode
check_eq "--detailed-exitcode: changes exit 2" 2 "$RC"
run_vr plan -f "$INV" --format json
check_eq "--format json: the plan document" 5 "$(printf '%s' "$OUT" | jq '.organizations[0].actions | length')"
run_vr plan -f "$INV" --format markdown
check_contains "--format markdown: a table for a pull-request comment" "| 1 |" "$OUT"
check_eq "plan is read-only: no POST or DELETE to the API" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.method != "GET" and (.path | startswith("/api/")))] | length')"

# --- partly provisioned: two match, one drifted, one unmanaged, one provisioning ---
insert arch-vni-prod-01 10.0.50.1 203.0.113.10 10.0.50.0/24
insert arch-vni-prod-02 10.0.51.1 203.0.113.99 10.0.51.0/24
insert legacy-vni 10.0.90.1 203.0.113.90 10.0.90.0/24
run_vr plan -f "$INV" --out "$T_DIR/plan2.json" --no-color
check_eq "partly provisioned: exit 0" 0 "$RC"
check_eq "partly provisioned: creates only what is missing" "arch-vni-lab-01 arch-vni-edge-01 arch-vni-edge-02" \
    "$(jq -r '[.organizations[0].actions[].name] | join(" ")' "$T_DIR/plan2.json")"
check_eq "partly provisioned: unchanged" "arch-vni-prod-01" "$(jq -r '[.organizations[0].unchanged[].name]|join(" ")' "$T_DIR/plan2.json")"
check_eq "partly provisioned: drift field by field, never replaced" "arch-vni-prod-02 remoteIp 203.0.113.11 203.0.113.99" \
    "$(jq -r '.organizations[0].drift[0] | "\(.name) \(.fields[0].field) \(.fields[0].want) \(.fields[0].live)"' "$T_DIR/plan2.json")"
check_contains "text shows drift with ~" "~" "$OUT"
check_eq "unmanaged connection reported" "legacy-vni" "$(jq -r '[.organizations[0].unmanaged[].name]|join(" ")' "$T_DIR/plan2.json")"
check_eq "liveCount 3" 3 "$(jq -r '.organizations[0].liveCount' "$T_DIR/plan2.json")"
check "fingerprint changed with the live state" test "$(jq -r '.organizations[0].liveFingerprint' "$T_DIR/plan.json")" != "$(jq -r '.organizations[0].liveFingerprint' "$T_DIR/plan2.json")"

# --- a conflict: the inventory's subnet overlaps a live one; an address in use ---
insert squatter 10.0.60.9 203.0.113.200 10.0.60.0/24 rt-edge
run_vr plan -f "$INV"
check_eq "conflict: exit 3" 3 "$RC"
check_contains "conflict: names the interface and the live connection" "squatter" "$OUT$ERR"
check_contains "conflict: subnet overlap reported" "overlap" "$OUT$ERR"
run_vr plan -f "$INV" -q
check_eq "conflict with -q: exit 3, nothing on stdout" "3|" "$RC|$OUT"
check_contains "conflict with -q: the error itself still on stderr (-q keeps errors)" "overlap" "$ERR"
stop_sim

# --- the limit reached ---
jq '.organizations[0].limit = 6 | .organizations[1].connections = []' "$FIX/sim/two-orgs.json" >"$T_DIR/limit6.json"
start_sim --state "$T_DIR/limit6.json"
insert other-1 10.1.1.1 192.0.2.1 10.1.1.0/24
insert other-2 10.1.2.1 192.0.2.2 10.1.2.0/24
run_vr plan -f "$INV"
check_eq "limit: 2 live + 5 creates over 6 exits 3" 3 "$RC"
check_contains "limit: the numbers are named" "6" "$OUT$ERR"
check_contains "limit: says it is the limit" "limit" "$OUT$ERR"
sim_admin DELETE "/__sim/connections/$(sim_admin GET /__sim/state | jq -r '.organizations[0].connections[] | select(.name=="other-2") | .id')" >/dev/null
run_vr plan -f "$INV"
check_eq "limit: exactly at the limit is possible" 0 "$RC"
stop_sim

# --- --probe: gateways probed at plan time, redirected to loopback listeners ---
export VR_PROBE_LOOPBACK_ONLY=1
start_sim
start_listener
OPEN_MAP=()
# shellcheck disable=SC2013  # addresses have no spaces: word splitting is what we want
for ip in $(sed -n 's/^ *remoteIp: *//p' "$INV"); do OPEN_MAP+=(--probe-map "$ip=127.0.0.1:$PROBE_PORT"); done
run_vr plan -f "$INV" --probe "${OPEN_MAP[@]}" -v
check_eq "--probe: every gateway reachable, exit 0" 0 "$RC"
check_contains "--probe -v: says where the probe went" "reachable (127.0.0.1:$PROBE_PORT" "$ERR"
closed_port
CLOSED_MAP=("${OPEN_MAP[@]:0:2}" --probe-map "203.0.113.11=127.0.0.1:$CLOSED_PORT" "${OPEN_MAP[@]:4}")
run_vr plan -f "$INV" --probe "${CLOSED_MAP[@]}" --out "$T_DIR/pprobe.json"
check_eq "--probe: an unreachable gateway makes the plan impossible (exit 3)" 3 "$RC"
check_contains "--probe: names the interface and the gateway" "arch-vni-prod-02: gateway 203.0.113.11:443 is not reachable" "$OUT$ERR"
check_eq "--probe: recorded in the plan file" gateway-unreachable \
    "$(jq -r '[.organizations[0].diagnostics[].code] | unique | join(",")' "$T_DIR/pprobe.json")"
run_vr plan -f "$INV" --probe
check_eq "--probe without a map under VR_PROBE_LOOPBACK_ONLY: blocked, never sent (exit 3)" 3 "$RC"
check_contains "--probe: says it was blocked" "blocked by VR_PROBE_LOOPBACK_ONLY" "$OUT$ERR"
run_vr plan -f "$INV" --probe-map nonsense
check_eq "--probe-map: a malformed entry is a usage error (exit 1)" 1 "$RC"
check_contains "--probe-map: says what is wrong" "probe" "$ERR"
stop_sim

# --- a missing limits endpoint ---
start_sim --no-limits-endpoint
run_vr plan -f "$INV" --out "$T_DIR/p404.json"
check_eq "no limits endpoint: exit 0" 0 "$RC"
check_eq "no limits endpoint: the default 50, and said so" "50 true" "$(jq -r '.organizations[0] | "\(.limit) \(.limitDefaulted)"' "$T_DIR/p404.json")"
check_contains "no limits endpoint: the plan says so" "50" "$(jq -r '.organizations[0].diagnostics[].message' "$T_DIR/p404.json")"
stop_sim

# --- 250 live connections: paging, both count fields, a listing that changes while paging ---
jq --argjson n 250 '.organizations[0].limit = 1000 | .organizations[0].connections = [range(0; $n) as $i |
    {id: ("00000000-0000-4000-8000-" + ("000000000000" + ($i|tostring))[-12:]), name: ("bulk-" + ($i|tostring)),
     type: "ipconnect", localIp: "10.\(100 + ($i / 200 | floor)).\($i % 200).1", remoteIp: "192.0.2.\($i % 250 + 1)",
     subnetCidr: "10.\(100 + ($i / 200 | floor)).\($i % 200).0/24", dnsServers: ["8.8.8.8"], routingTableId: "rt-core",
     state: "active", dateCreated: "2026-11-01T09:00:00.000Z"}]' "$FIX/sim/two-orgs.json" >"$T_DIR/bulk.json"
for field in total totalCount both; do
    start_sim --state "$T_DIR/bulk.json" --count-field "$field"
    run_vr plan -f "$INV" --out "$T_DIR/pbulk.json"
    check_eq "paging ($field): 250 live, each once" "0 250 250" \
        "$RC $(jq -r '.organizations[0].liveCount' "$T_DIR/pbulk.json") $(jq -r '.organizations[0].unmanaged | map(.id) | unique | length' "$T_DIR/pbulk.json")"
    check "paging ($field): pageSize=200" test "$(sim_admin GET /__sim/requests | jq '[.[] | select(.path | test("connections\\?.*pageSize=200"))] | length')" -ge 2
    stop_sim
done
start_sim --state "$T_DIR/bulk.json" --insert-while-paging=once
run_vr plan -f "$INV" --out "$T_DIR/pins.json"
check_eq "listing changed while paging: restarted, 251 live, none twice" "0 251 251" \
    "$RC $(jq -r '.organizations[0].liveCount' "$T_DIR/pins.json") $(jq -r '.organizations[0].unmanaged | map(.id) | unique | length' "$T_DIR/pins.json")"
stop_sim
start_sim --state "$T_DIR/bulk.json" --insert-while-paging=always
run_vr plan -f "$INV"
check_eq "listing that never settles: exit 1" 1 "$RC"
check_contains "listing that never settles: says so" "list" "$ERR"
stop_sim

# --- 429s and 5xx on every endpoint; Retry-After kept ---
start_sim --rate-429 0.3 --retry-after 1 --seed 7
run_vr plan -f "$INV" --out "$T_DIR/p429.json"
check_eq "429 storm: plan still made" "0 5" "$RC $(jq '.organizations[0].actions|length' "$T_DIR/p429.json" 2>/dev/null)"
check "429 storm: some 429s were served" test "$(sim_admin GET /__sim/requests | jq '[.[]|select(.status==429)]|length')" -ge 1
check "429 storm: no request repeated before its Retry-After" retry_after_kept
stop_sim
start_sim --rate-5xx 0.3 --seed 11
run_vr plan -f "$INV" --out "$T_DIR/p5xx.json"
check_eq "5xx storm: plan still made" "0 5" "$RC $(jq '.organizations[0].actions|length' "$T_DIR/p5xx.json" 2>/dev/null)"
check "5xx storm: some 5xx were served" test "$(sim_admin GET /__sim/requests | jq '[.[]|select(.status>=500)]|length')" -ge 1
check "5xx storm: a 503's Retry-After kept" retry_after_kept
stop_sim
start_sim --rate-5xx 1 --seed 3
run_vr plan -f "$INV"
check_eq "5xx forever: exit 1" 1 "$RC"
check_contains "5xx forever: says how many tries over how long" "tries" "$ERR"
stop_sim

# --- a token that expires mid-run ---
start_sim --token-lifetime 61 --state "$T_DIR/bulk.json" --latency-ms 300-350
run_vr plan -f "$INV"
check_eq "short-lived token: plan made" 0 "$RC"
check "short-lived token: renewed when under 60 s of life (more than one fetched)" test "$(sim_admin GET /__sim/requests | jq '[.[]|select(.path=="/oauth/token")]|length')" -ge 2
stop_sim

# --- bad credentials; wrong organization; missing permission ---
start_sim --state "$FIX/sim/two-orgs.json"
GENESYSCLOUD_OAUTHCLIENT_SECRET=wrong-secret run_vr plan -f "$INV"
check_eq "bad credentials: exit 1" 1 "$RC"
check_contains "bad credentials: HTTP 401 and a remedy" "401" "$ERR"
check_contains "bad credentials: says what to check" "GENESYSCLOUD_OAUTHCLIENT_ID" "$ERR"
check_not_contains "bad credentials: the secret is not shown" "wrong-secret" "$OUT$ERR"
GENESYSCLOUD_OAUTHCLIENT_ID=vni-second GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-second-secret run_vr plan -f "$INV"
check_eq "another organization's credentials: exit 1" 1 "$RC"
check_contains "another organization's credentials: both ids named" "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" "$ERR"
check_eq "another organization's credentials: nothing listed" 0 \
    "$(sim_admin GET /__sim/requests | jq '[.[] | select(.path | startswith("/api/v2/organization/privateconnectivity"))] | length')"
GENESYSCLOUD_OAUTHCLIENT_ID=vni-readonly GENESYSCLOUD_OAUTHCLIENT_SECRET=vni-readonly-secret run_vr plan -f "$INV"
check_eq "missing interface:read: exit 1" 1 "$RC"
check_contains "missing interface:read: names the permission" "interface:read" "$ERR"
env -u GENESYSCLOUD_OAUTHCLIENT_ID -u GENESYSCLOUD_OAUTHCLIENT_SECRET "$VR" plan -f "$INV" >/dev/null 2>"$T_DIR/nocred.err"
check_contains "no credentials: says which variables to set" "GENESYSCLOUD_OAUTHCLIENT_ID" "$(cat "$T_DIR/nocred.err")"
stop_sim

# --- an invalid inventory never reaches the network ---
start_sim
run_vr plan -f "$FIX/invalid"
check_eq "invalid inventory: exit 3" 3 "$RC"
check_eq "invalid inventory: no request made" 0 "$(sim_admin GET /__sim/requests | jq 'length')"
stop_sim

# --- the secret and the token appear in no output or file ---
start_sim --token-lifetime 86400
TOKEN=$(curl -sS -u vni-demo:vni-demo-secret -d grant_type=client_credentials "$SIM_URL/oauth/token" | jq -r .access_token)
run_vr plan -f "$INV" --out "$T_DIR/psecret.json" -v -v --format json
check_not_contains "secret: not in stdout/stderr" "vni-demo-secret" "$OUT$ERR"
check "secret: not in the plan file" bash -c "! grep -q vni-demo-secret '$T_DIR/psecret.json'"
GENESYSCLOUD_ACCESS_TOKEN=$TOKEN env -u GENESYSCLOUD_OAUTHCLIENT_ID -u GENESYSCLOUD_OAUTHCLIENT_SECRET \
    "$VR" plan -f "$INV" --out "$T_DIR/ptoken.json" -v -v >"$T_DIR/tok.out" 2>"$T_DIR/tok.err"
check_eq "static token: plan made" 0 "$?"
check "token: not in any output or file" bash -c "! grep -q -- '$TOKEN' '$T_DIR/tok.out' '$T_DIR/tok.err' '$T_DIR/ptoken.json'"
stop_sim
t_done
